package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// Reading the upstream's documents: the service index (which resources),
// and the registration of an id (NuGet's RegistrationsBaseUrl: an index of
// pages, inlined or fetched apart, each with leaves whose catalogEntry has
// the version's metadata and dependency groups).

// registrationTypes are the registration resources in the order the client
// prefers them: the SemVer 2.0.0 hive first, as NuGet 4.3+ does.
var registrationTypes = []string{
	"RegistrationsBaseUrl/Versioned", "RegistrationsBaseUrl/3.6.0",
	"RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.0.0-rc", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl",
}

// serviceResources reads the service index once per metadata lifetime.
func (c *Client) serviceResources(ctx context.Context) (*resources, error) {
	c.mu.Lock()
	res, at := c.resources, c.resAt
	c.mu.Unlock()
	if res != nil && c.now().Sub(at) < c.cfg.MetadataTTL {
		return res, nil
	}
	v, err, _ := c.flight.Do("\x00service-index", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
		defer cancel()
		var doc struct {
			Resources []struct {
				ID   string `json:"@id"`
				Type string `json:"@type"`
			} `json:"resources"`
		}
		if err := c.getJSON(ctx, "service_index", c.cfg.ServiceIndex, &doc); err != nil {
			return nil, err
		}
		byType := map[string]string{}
		for _, r := range doc.Resources {
			if _, ok := byType[r.Type]; !ok {
				byType[r.Type] = r.ID
			}
		}
		found := &resources{content: byType["PackageBaseAddress/3.0.0"]}
		for _, t := range registrationTypes {
			if u := byType[t]; u != "" {
				found.registration = u
				break
			}
		}
		if found.content == "" || found.registration == "" {
			return nil, fmt.Errorf("%w: the service index has no PackageBaseAddress/3.0.0 or RegistrationsBaseUrl", ErrUnavailable)
		}
		found.content = withSlash(found.content)
		found.registration = withSlash(found.registration)
		c.mu.Lock()
		c.resources, c.resAt = found, c.now()
		c.mu.Unlock()
		return found, nil
	})
	if err != nil {
		if res != nil { // the last good one: its URLs rarely change
			return res, nil
		}
		if errors.Is(err, ErrNotFound) {
			err = fmt.Errorf("%w: the service index is not found", ErrUnavailable)
		}
		return nil, err
	}
	return v.(*resources), nil
}

func withSlash(s string) string {
	if strings.HasSuffix(s, "/") {
		return s
	}
	return s + "/"
}

// getJSON reads one metadata document into v.
func (c *Client) getJSON(ctx context.Context, what, u string, v any) error {
	body, cancel, err := c.get(ctx, what, u, MaxDocument)
	if err != nil {
		return err
	}
	defer cancel()
	defer body.Close()
	if err := json.NewDecoder(body).Decode(v); err != nil {
		return fmt.Errorf("%w: %s %s: %v", ErrUnavailable, what, redactURL(u), err)
	}
	return nil
}

// Wire types of the registration documents: only what the mirror keeps.
type regIndex struct {
	Items []regPage `json:"items"`
}

type regPage struct {
	ID    string    `json:"@id"`
	Items []regLeaf `json:"items"`
}

type regLeaf struct {
	CatalogEntry catalogEntry `json:"catalogEntry"`
}

type catalogEntry struct {
	ID                       string          `json:"id"`
	Version                  string          `json:"version"`
	Authors                  json.RawMessage `json:"authors"` // a string, or an array on some servers
	Description              string          `json:"description"`
	Summary                  string          `json:"summary"`
	Title                    string          `json:"title"`
	Tags                     json.RawMessage `json:"tags"` // an array, or a string
	IconURL                  string          `json:"iconUrl"`
	LicenseURL               string          `json:"licenseUrl"`
	LicenseExpression        string          `json:"licenseExpression"`
	ProjectURL               string          `json:"projectUrl"`
	Language                 string          `json:"language"`
	MinClientVersion         string          `json:"minClientVersion"`
	RequireLicenseAcceptance bool            `json:"requireLicenseAcceptance"`
	Listed                   *bool           `json:"listed"` // absent means listed
	Published                string          `json:"published"`
	DependencyGroups         []struct {
		TargetFramework string `json:"targetFramework"`
		Dependencies    []struct {
			ID    string `json:"id"`
			Range string `json:"range"`
		} `json:"dependencies"`
	} `json:"dependencyGroups"`
}

// fetchVersions reads the registration of one id; an id the upstream does
// not know wraps ErrNotFound.
func (c *Client) fetchVersions(ctx context.Context, lower string) ([]index.Entry, error) {
	res, err := c.serviceResources(ctx)
	if err != nil {
		return nil, err
	}
	var doc regIndex
	if err := c.getJSON(ctx, "registration", res.registration+url.PathEscape(lower)+"/index.json", &doc); err != nil {
		return nil, err
	}
	var entries []index.Entry
	for _, p := range doc.Items {
		if p.Items == nil { // not inlined: the page is fetched apart
			if !sameOrigin(p.ID, res.registration) {
				return nil, fmt.Errorf("%w: registration page %s is not under %s", ErrUnavailable, redactURL(p.ID), redactURL(res.registration))
			}
			if err := c.getJSON(ctx, "registration", p.ID, &p); err != nil {
				return nil, err
			}
		}
		for _, l := range p.Items {
			e, err := l.CatalogEntry.entry()
			if err != nil {
				// One bad leaf costs its version, not the id.
				c.log.Warn("upstream: skipping a version it describes badly", "space", c.label, "id", lower, "err", err)
				continue
			}
			if e.ID.Lower() != lower {
				return nil, fmt.Errorf("%w: the registration of %s lists %s", ErrUnavailable, lower, e.ID)
			}
			entries = append(entries, e)
		}
	}
	if entries == nil {
		entries = []index.Entry{}
	}
	return entries, nil
}

// sameOrigin reports whether u is on the scheme and host of base: pages are
// fetched with the upstream's credentials, so a document may not send them elsewhere.
func sameOrigin(u, base string) bool {
	a, errA := url.Parse(u)
	b, errB := url.Parse(base)
	return errA == nil && errB == nil && a.Scheme == b.Scheme && a.Host == b.Host
}

// entry turns a catalogEntry into a catalogue entry with a manifest, as the
// nuspec would have given it.
func (ce catalogEntry) entry() (index.Entry, error) {
	id, err := nuget.ParseID(ce.ID)
	if err != nil {
		return index.Entry{}, err
	}
	v, err := nuget.ParseVersion(ce.Version)
	if err != nil {
		return index.Entry{}, err
	}
	m := &nuget.Manifest{
		ID: id, Version: v, Title: ce.Title, Description: ce.Description, Summary: ce.Summary,
		Authors: list(ce.Authors, ","), Tags: list(ce.Tags, " "),
		IconURL: ce.IconURL, LicenseURL: ce.LicenseURL, ProjectURL: ce.ProjectURL, Language: ce.Language,
		MinClientVersion: ce.MinClientVersion, RequireLicenseAcceptance: ce.RequireLicenseAcceptance,
	}
	if ce.LicenseExpression != "" {
		m.License = &nuget.License{Type: "expression", Text: ce.LicenseExpression}
	}
	for _, g := range ce.DependencyGroups {
		group := nuget.DependencyGroup{TargetFramework: g.TargetFramework}
		for _, d := range g.Dependencies {
			did, err := nuget.ParseID(d.ID)
			if err != nil {
				return index.Entry{}, fmt.Errorf("%s %s: dependency: %w", id, v, err)
			}
			r, err := nuget.ParseVersionRange(d.Range)
			if err != nil {
				return index.Entry{}, fmt.Errorf("%s %s: dependency %s: %w", id, v, did, err)
			}
			group.Dependencies = append(group.Dependencies, nuget.Dependency{ID: did, Range: r})
		}
		m.DependencyGroups = append(m.DependencyGroups, group)
	}
	listed := ce.Listed == nil || *ce.Listed
	published, _ := time.Parse(time.RFC3339, ce.Published)
	if published.Year() <= 1900 {
		// nuget.org's date for unlisted versions says nothing of when.
		published = time.Time{}
	}
	return index.Entry{
		Kind: index.KindCached, ID: id, Version: v, Manifest: m, Extension: ".nupkg",
		Listed: listed, Published: published.UTC(),
	}, nil
}

// list reads a field that is a string (split on sep) or an array of strings.
func list(raw json.RawMessage, sep string) []string {
	if len(raw) == 0 {
		return nil
	}
	var many []string
	if json.Unmarshal(raw, &many) != nil {
		var one string
		if json.Unmarshal(raw, &one) != nil {
			return nil
		}
		many = strings.Split(one, sep)
	}
	var out []string
	for _, s := range many {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
