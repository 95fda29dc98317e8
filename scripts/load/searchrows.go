package main

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/feedserver/feedserver/internal/corpus"
)

// The distinct-query rows (issue 23) search a feed of corpusIDs generated
// package ids (internal/corpus: descriptions, tags, one to four versions
// each) with texts no cache has seen: every request of a row asks
// something no earlier request of the run asked, as a crowd of users
// typing does. corpusQueries bounds a row's requests (-max bounds them
// too): at the rate of the development machine, a 10 s row needs a tenth
// of them.
const (
	corpusIDs     = 10_000
	corpusQueries = 100_000
)

// searchCorpus is the feed of the distinct-query rows, pushed by the first
// of them to run.
type searchCorpus struct {
	once    sync.Once
	err     error
	pkgs    []corpus.Package
	queries []string // distinct two-word texts: the v3 row takes the first half, v2 the rest
	prefix  []string // distinct autocomplete prefixes
}

// ensureCorpus pushes the corpus (every version of every id, 8 clients)
// and makes the index take it in before the rows measure.
func (b *bench) ensureCorpus(ctx context.Context) (*searchCorpus, error) {
	if b.corpus == nil {
		b.corpus = new(searchCorpus)
	}
	c := b.corpus
	c.once.Do(func() {
		c.pkgs = corpus.Packages(corpusIDs)
		var pushes []request
		var p packer
		for _, pkg := range c.pkgs {
			for _, v := range pkg.Versions {
				nupkg := p.described(pkg, v)
				pushes = append(pushes, request{b.pushRequest(http.MethodPut, "/api/v2/package", "X-NuGet-ApiKey", "package", "package.nupkg", nupkg), int64(len(nupkg))})
			}
		}
		fmt.Fprintf(os.Stderr, "load: pushing the search corpus: %d ids, %d packages ...\n", len(c.pkgs), len(pushes))
		conns, err := newRawConns(b.base, 8)
		if err != nil {
			c.err = err
			return
		}
		defer closeAll(conns)
		start := time.Now()
		if _, err := run(ctx, load{Clients: 8, Duration: time.Hour, Max: int64(len(pushes))}, func(ctx context.Context, w int, n int64) (int64, error) {
			// 409: the corpus is already there (-base against a server that has it).
			_, err := conns[w].do(pushes[n].raw, 0)
			if err != nil && strings.Contains(err.Error(), "status 409") {
				err = nil
			}
			return 0, err
		}); err != nil {
			c.err = fmt.Errorf("push the search corpus: %w", err)
			return
		}
		// The server indexes pushes in the background; a search first takes in
		// what is queued, so this one waits for all of them.
		b.status(ctx, http.MethodGet, "/v3/search?q=corpus")
		fmt.Fprintf(os.Stderr, "load: search corpus pushed and indexed in %s\n", time.Since(start).Round(time.Millisecond))
		// bleve merges the segments of those pushes for a while after: the
		// rows measure the index a feed has once that is done.
		waited := b.waitIdle(ctx, time.Minute)
		fmt.Fprintf(os.Stderr, "load: waited %s for the server to go idle\n", waited.Round(time.Millisecond))
		c.queries = corpus.Queries(c.pkgs, corpusQueries)
		c.prefix = corpus.Prefixes(c.pkgs, corpusQueries)
	})
	return c, c.err
}

// distinctRow measures GET path(text) with 8 keep-alive clients, one text of
// texts per request, each asked once.
func distinctRow(texts func(c *searchCorpus) []string, path func(text string) string) func(context.Context, *bench) ([]row, error) {
	return func(ctx context.Context, b *bench) ([]row, error) {
		c, err := b.ensureCorpus(ctx)
		if err != nil {
			return nil, err
		}
		list := texts(c)
		list = list[:min(int64(len(list)), b.max)]
		if code := b.status(ctx, http.MethodGet, path(list[0])); code != http.StatusOK {
			return nil, skipError{fmt.Sprintf("GET %s answers %d", trimQuery(path(list[0])), code)}
		}
		list = list[1:] // the probe asked the first
		reqs := make([][]byte, len(list))
		for i, t := range list {
			reqs[i] = b.getRequest(path(t))
		}
		conns, err := newRawConns(b.base, 8)
		if err != nil {
			return nil, err
		}
		defer closeAll(conns)
		cpu0 := b.serverCPU()
		res, err := run(ctx, load{Clients: 8, Duration: b.duration, Max: int64(len(reqs))}, func(ctx context.Context, w int, n int64) (int64, error) {
			return conns[w].do(reqs[n], http.StatusOK)
		})
		if err != nil {
			return nil, err
		}
		if res.Count == int64(len(reqs)) && res.Elapsed < b.duration {
			fmt.Fprintf(os.Stderr, "load: the row ran out of distinct texts after %s\n", res.Elapsed.Round(time.Millisecond))
		}
		rows := []row{timed("", res, goal{Min: 6000, Unit: "req/s"})}
		if cpu := b.serverCPU() - cpu0; cpu0 >= 0 && res.Count > 0 {
			// What the speed-up is about on a machine shared with other work:
			// the rate depends on what else runs, the server's CPU per request
			// much less.
			rows = append(rows, row{Name: "  server CPU per request", Value: float64(cpu.Microseconds()) / float64(res.Count), Unit: "µs"})
		}
		return rows, nil
	}
}

func v3Texts(c *searchCorpus) []string  { return c.queries[:len(c.queries)/2] }
func v2Texts(c *searchCorpus) []string  { return c.queries[len(c.queries)/2:] }
func prefixes(c *searchCorpus) []string { return c.prefix }

// The paths the rows ask, as NuGet clients send them: nuget.exe and
// dotnet's search and Visual Studio's browse tab (v3), Visual Studio's
// autocomplete, Visual Studio on a v2 feed (one version per id).
func v3SearchPath(q string) string {
	return "/v3/search?q=" + url.QueryEscape(q) + "&skip=0&take=20&prerelease=false&semVerLevel=2.0.0"
}

func v3AutocompletePath(q string) string {
	return "/v3/autocomplete?q=" + url.QueryEscape(q) + "&skip=0&take=20&prerelease=false&semVerLevel=2.0.0"
}

func v2SearchPath(q string) string {
	return "/api/v2/Search()?$filter=IsLatestVersion&searchTerm=" + url.QueryEscape("'"+q+"'") +
		"&targetFramework=''&includePrerelease=false&$skip=0&$top=30&semVerLevel=2.0.0"
}

// waitIdle waits until the server has used under a tenth of a CPU for two
// seconds in a row, at most limit; without -server it waits 10 s.
func (b *bench) waitIdle(ctx context.Context, limit time.Duration) time.Duration {
	start := time.Now()
	if b.srv == nil {
		sleep(ctx, 10*time.Second)
		return time.Since(start)
	}
	quiet := 0
	last, _ := procCPU(b.srv.pid())
	for quiet < 4 && time.Since(start) < limit && ctx.Err() == nil {
		sleep(ctx, 500*time.Millisecond)
		now, err := procCPU(b.srv.pid())
		if err != nil {
			break
		}
		if now-last < 50*time.Millisecond {
			quiet++
		} else {
			quiet = 0
		}
		last = now
	}
	return time.Since(start)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// serverCPU is the CPU time the server has used so far, -1 without -server.
func (b *bench) serverCPU() time.Duration {
	if b.srv == nil {
		return -1
	}
	d, err := procCPU(b.srv.pid())
	if err != nil {
		return -1
	}
	return d
}

// procCPU is the user and system CPU time process pid has used
// (/proc/pid/stat, in clock ticks of 10 ms).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces; the fields after it are fixed.
	_, rest, _ := strings.Cut(string(data), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f))
	}
	var utime, stime int64
	fmt.Sscan(f[11], &utime)
	fmt.Sscan(f[12], &stime)
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// described is a small package of one corpus id and version whose nuspec
// carries the corpus's title, description, tags and authors.
func (p *packer) described(pkg corpus.Package, version string) []byte {
	spec := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>%s</id>
    <version>%s</version>
    <title>%s</title>
    <authors>%s</authors>
    <description>%s</description>
    <tags>%s</tags>
  </metadata>
</package>
`, pkg.ID, version, html.EscapeString(pkg.Title), html.EscapeString(strings.Join(pkg.Authors, ",")),
		html.EscapeString(pkg.Description), html.EscapeString(strings.Join(pkg.Tags, " ")))
	return p.archive(
		pkg.ID+".nuspec", spec,
		"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`,
		"lib/netstandard2.0/"+pkg.ID+".dll", "payload of "+pkg.ID+" "+version+"\n",
	)
}
