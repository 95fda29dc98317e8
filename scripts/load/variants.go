package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
)

// A variant is the same server binary started with other settings (say
// FEEDSERVER_STORAGE=s3://…) beside the default one. With -variant, every
// row runs on the default server and then on each variant's, one row after
// the other, so a shared machine's drift hits every column alike; the
// variant's rows carry its name and the end of the table gives each rate
// as a ratio of the default's. A variant may also be another build of the
// server (server=PATH): scripts/bench -before REF measures the build of an
// earlier commit that way, row after row with this one.
type variant struct {
	name string
	bin  string   // the server binary; "" for the default's
	env  []string // NAME=VALUE, added to the server's environment
}

// variants is the -variant flag: "NAME [server=PATH] [ENV=VALUE ...]", repeatable.
type variants []variant

func (v *variants) String() string { return fmt.Sprint(len(*v), " variant(s)") }

func (v *variants) Set(s string) error {
	f := strings.Fields(s)
	if len(f) < 2 || strings.Contains(f[0], "=") {
		return fmt.Errorf("%q: want NAME [server=PATH] [ENV=VALUE...]", s)
	}
	nv := variant{name: f[0]}
	for _, kv := range f[1:] {
		if bin, ok := strings.CutPrefix(kv, "server="); ok {
			nv.bin = bin
			continue
		}
		if !strings.Contains(kv, "=") {
			return fmt.Errorf("%q: %q is not ENV=VALUE", s, kv)
		}
		nv.env = append(nv.env, kv)
	}
	*v = append(*v, nv)
	return nil
}

// start starts the variant's server on a data folder of its own, from what
// the default bench has, and returns its bench.
func (v variant) start(ctx context.Context, def *bench) (*bench, error) {
	b := *def
	b.genericUploaded = 0
	b.corpus = nil // pushed to this server too, when a row asks
	bin := def.srv.bin
	if v.bin != "" {
		bin = v.bin
	}
	b.srv = &server{
		bin: bin, key: def.srv.key, env: v.env,
		data: filepath.Join(def.tmp, "data-"+v.name), log: filepath.Join(def.tmp, "server-"+v.name+".log"),
	}
	if err := b.srv.start(ctx); err != nil {
		return nil, fmt.Errorf("variant %s: %w", v.name, err)
	}
	b.base = b.srv.base()
	return &b, nil
}

// setting is the value of the server's environment setting name from its
// variant ("" for the default server, or a variant that does not set it).
func (s *server) setting(name string) string {
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

// comparison is one row measured on the default server and on a variant.
type comparison struct {
	def, other row
	variant    string
}

// printComparisons prints each variant's figure over the default's, row by row.
func printComparisons(w io.Writer, cs []comparison) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintln(w, "variant / default, same row (a rate above 1 is faster; a memory or size row above 1 is more):")
	for _, c := range cs {
		if c.def.Note != "" || c.other.Note != "" || c.def.Value == 0 {
			continue
		}
		fmt.Fprintf(w, "  %-60s %s %.2f\n", c.def.Name, c.variant, c.other.Value/c.def.Value)
	}
}

// catalogVersions is the package versions the running server catalogues,
// from its metrics: how the re-index rows count the files of a store that
// is not a folder.
func (b *bench) catalogVersions(ctx context.Context) int64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+"/metrics", nil)
	if err != nil {
		return 0
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "feedserver_catalog_versions "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(n)
		}
	}
	return 0
}
