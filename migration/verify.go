package migration

import (
	"context"
	"fmt"
	"strings"

	"github.com/feedserver/feedserver/index"
)

// maxListed bounds the differences an error names; it says how many more.
const maxListed = 5

// verify reads back what the run wrote, apart from the blobs (each was
// read back from the target by SHA-512 as it was copied), and compares it
// with the source: every package row with its file, listed flag and
// download count; every generic file row; every space, owner and key.
func (m *migration) verify(ctx context.Context, rows index.Catalog) error {
	var diffs []string
	entries, err := m.sourceEntries(ctx)
	if err != nil {
		return err
	}
	type identity struct {
		space   string
		kind    index.Kind
		id, ver string
	}
	there := map[identity]index.Entry{}
	read := map[[2]string]bool{}
	for _, e := range entries {
		if read[[2]string{e.Space, string(e.Kind)}] {
			continue
		}
		read[[2]string{e.Space, string(e.Kind)}] = true
		es, err := rows.AllEntries(ctx, e.Space, e.Kind)
		if err != nil {
			return fmt.Errorf("verify: read the target catalogue: %w", err)
		}
		for _, t := range es {
			there[identity{t.Space, t.Kind, t.ID.Lower(), t.Version.String()}] = t
		}
	}
	for _, e := range entries {
		t, ok := there[identity{e.Space, e.Kind, e.ID.Lower(), e.Version.String()}]
		switch {
		case !ok:
			diffs = append(diffs, "the row of "+describe(e)+" is missing")
		case fileDifference(t, e) != "":
			diffs = append(diffs, describe(e)+" has a different "+fileDifference(t, e))
		case t.Listed != e.Listed:
			diffs = append(diffs, fmt.Sprintf("%s is listed=%t, the source's listed=%t", describe(e), t.Listed, e.Listed))
		case t.Downloads != e.Downloads:
			diffs = append(diffs, fmt.Sprintf("%s has %d downloads, the source's %d", describe(e), t.Downloads, e.Downloads))
		}
	}
	if m.to.Catalog != nil {
		d, err := m.verifyGeneric(ctx)
		if err != nil {
			return err
		}
		diffs = append(diffs, d...)
	}
	if m.to.Keys != nil {
		d, err := m.verifyKeyDatabase(ctx)
		if err != nil {
			return err
		}
		diffs = append(diffs, d...)
	}
	if len(diffs) == 0 {
		if m.opts.Progress != nil {
			fmt.Fprintf(m.opts.Progress, "migrate: verified: blobs %d (SHA-512 read back), package rows %d, generic file rows %d, API keys %d, spaces %d, owners %d\n",
				m.report.Blobs.Source, len(entries), m.report.GenericFiles.Source, m.report.Keys.Source, m.report.Spaces.Source, m.report.Owners.Source)
		}
		return nil
	}
	more, n := "", len(diffs)
	if len(diffs) > maxListed {
		more = fmt.Sprintf("; and %d more", len(diffs)-maxListed)
		diffs = diffs[:maxListed]
	}
	return fmt.Errorf("%w: verify found %s: %s%s", ErrMismatch, plural(n, "difference"), strings.Join(diffs, "; "), more)
}

func (m *migration) verifyGeneric(ctx context.Context) ([]string, error) {
	src, err := genericFiles(ctx, m.from.Catalog)
	if err != nil {
		return nil, fmt.Errorf("verify: read the source catalogue: %w", err)
	}
	dst, err := genericFiles(ctx, m.to.Catalog)
	if err != nil {
		return nil, fmt.Errorf("verify: read the target catalogue: %w", err)
	}
	there := make(map[string]index.GenericFile, len(dst))
	for _, g := range dst {
		there[g.RefKey] = g
	}
	var diffs []string
	for _, g := range src {
		t, ok := there[g.RefKey]
		switch {
		case !ok:
			diffs = append(diffs, "the generic file row "+g.RefKey+" is missing")
		case t.SHA256 != g.SHA256 || t.Size != g.Size:
			diffs = append(diffs, "the generic file row "+g.RefKey+" has other content")
		}
	}
	return diffs, nil
}

func (m *migration) verifyKeyDatabase(ctx context.Context) ([]string, error) {
	var diffs []string
	readErr := func(err error) error { return fmt.Errorf("verify: read a key database: %w", err) }

	srcKeys, err := m.from.Keys.Records(ctx)
	if err != nil {
		return nil, readErr(err)
	}
	dstKeys, err := m.to.Keys.Records(ctx)
	if err != nil {
		return nil, readErr(err)
	}
	digests := map[string]string{}
	for _, k := range dstKeys {
		digests[k.ID] = k.Digest
	}
	for _, k := range srcKeys {
		if digests[k.ID] != k.Digest {
			diffs = append(diffs, "API key "+k.ID+" is missing or has another digest")
		}
	}

	srcSpaces, err := m.from.Spaces.List(ctx)
	if err != nil {
		return nil, readErr(err)
	}
	for _, sp := range srcSpaces {
		t, err := m.to.Spaces.Get(ctx, sp.ID)
		if err != nil || t.Name != sp.Name {
			diffs = append(diffs, "space "+sp.ID+" ("+sp.Name+") is missing or named otherwise")
		}
	}

	srcOwners, err := m.from.Owners.List(ctx)
	if err != nil {
		return nil, readErr(err)
	}
	for _, o := range srcOwners {
		ok, err := m.to.Owners.Exists(ctx, o.Name)
		if err != nil {
			return nil, readErr(err)
		}
		if !ok {
			diffs = append(diffs, "owner "+o.Name+" is missing")
		}
	}
	return diffs, nil
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
