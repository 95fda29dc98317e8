package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// scenario is one measurement; it may print more than one row (the 256 MiB
// push also reports the server's memory growth).
type scenario struct {
	Name string
	Run  func(ctx context.Context, b *bench) ([]row, error)
}

// scenarios is the table of everything the benchmark measures, in the order
// it runs. To add a row: append a scenario whose Run does its own setup,
// measures with run(ctx, load{...}, op) and returns timed(...). Return
// skipError{"why"} when the server lacks the endpoint, so the table says n/a.
// Goals are the issues' targets on a 2-core machine.
func scenarios() []scenario {
	return []scenario{
		{"push small .nupkg, sequential", pushSmall("Bench.Seq", 1, goal{Min: 1000, Unit: "req/s"})},
		{"push small .nupkg, 8 concurrent", pushSmall("Bench.Par", 8, goal{Min: 2000, Unit: "req/s"})},
		{"push 256 MiB .nupkg", pushBig},
		{"flat container index.json, 8 clients", flatIndex},
		{"download 1 MiB .nupkg, 8 clients", download1MiB},
		{"registration index, 8 clients", v3Resource("RegistrationsBaseUrl", "bench.read/index.json")},
		{"search (q=bench), 8 clients", v3Resource("SearchQueryService", "?q=bench&take=20")},
		{"v2 FindPackagesById(), 8 clients", getLoop("/api/v2/FindPackagesById()?id='Bench.Read'", 8, goal{Unit: "req/s"})},
		// Octopus answers 200 or 201 by version, so the sequential row takes any 2xx.
		{"Octopus raw upload (zip), sequential", octopusRaw("Bench.App", 1, 0, goal{Unit: "req/s"})},
		{"Octopus raw upload (zip), 8 clients", octopusRaw("Bench.App8", 8, http.StatusCreated, goal{Min: 1500, Unit: "req/s"})},
		{"Octopus delta upload 100 MiB (1 MiB changed)", octopusDelta},
		{"generic upload 64 KiB, sequential", genericUpload},
		{"generic download 64 KiB, 8 clients", genericDownload},
		{"re-index cold (catalogue deleted)", reindex(true)},
		{"re-index warm (nothing changed)", reindex(false)},
		// Last: the corpus they push would change what the rows above measure.
		{"search, distinct queries, 10,000 ids, 8 clients", distinctRow(v3Texts, v3SearchPath)},
		{"autocomplete, distinct prefixes, 10,000 ids, 8 clients", distinctRow(prefixes, v3AutocompletePath)},
		{"v2 Search(), distinct queries, 10,000 ids, 8 clients", distinctRow(v2Texts, v2SearchPath)},
	}
}

// readID is the package the read rows fetch, pushed once by ensureRead.
const readID = "Bench.Read"

// ensureRead pushes Bench.Read 1.0.0 with a 1 MiB payload unless it is there.
func (b *bench) ensureRead(ctx context.Context) error {
	if b.status(ctx, http.MethodGet, "/v3/package/bench.read/index.json") == http.StatusOK {
		return nil
	}
	path := filepath.Join(b.tmp, "read.nupkg")
	if err := writeBigNupkg(path, readID, "1.0.0", 1<<20-1200); err != nil {
		return err
	}
	pkg, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return b.pushNupkg(ctx, pkg)
}

func pushSmall(prefix string, clients int, g goal) func(context.Context, *bench) ([]row, error) {
	return func(ctx context.Context, b *bench) ([]row, error) {
		// Many ids with a few versions each, the shape of a CI feed.
		var p packer
		return pushRow(ctx, b, clients, http.StatusCreated, g, func(n int64) request {
			pkg := p.small(fmt.Sprintf("%s.P%d", prefix, n%500), fmt.Sprintf("1.0.%d", n/500))
			return request{b.pushRequest(http.MethodPut, "/api/v2/package", "X-NuGet-ApiKey", "package", "package.nupkg", pkg), int64(len(pkg))}
		})
	}
}

// pushBig pushes one 256 MiB package and reports the server's resident memory
// growth: peak RSS during the push (VmHWM, reset just before) minus RSS before.
func pushBig(ctx context.Context, b *bench) ([]row, error) {
	const size = 256 << 20
	path := filepath.Join(b.tmp, "big.nupkg")
	if err := writeBigNupkg(path, "Bench.Big", "1.0.0", size); err != nil {
		return nil, err
	}
	defer os.Remove(path)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var before status
	if b.srv != nil {
		before, _ = procStatus(b.srv.pid())
		if err := resetPeak(b.srv.pid()); err != nil {
			return nil, fmt.Errorf("reset peak RSS: %w", err)
		}
	}
	res, err := run(ctx, load{Clients: 1, Duration: 10 * time.Minute, Max: 1}, func(ctx context.Context, _ int, _ int64) (int64, error) {
		f, err := os.Open(path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		return fi.Size(), b.pushMultipart(ctx, "/api/v2/package", "X-NuGet-ApiKey", "package", "Bench.Big.1.0.0.nupkg", f, fi.Size(), http.MethodPut, http.StatusCreated)
	})
	if err != nil {
		return nil, err
	}
	rows := []row{timed("push 256 MiB .nupkg", res, goal{Min: 350, Unit: "MiB/s"})}
	if b.srv == nil {
		return append(rows, row{Name: "server RSS growth, 256 MiB push", Note: "n/a: needs -server"}), nil
	}
	after, err := procStatus(b.srv.pid())
	if err != nil {
		return nil, err
	}
	growth := float64(after.hwm-before.rss) / 1024
	fmt.Fprintf(os.Stderr, "load: server memory around the 256 MiB push: before VmRSS %s (VmHWM %s); after VmRSS %s, peak since reset VmHWM %s\n",
		mib(before.rss), mib(before.hwm), mib(after.rss), mib(after.hwm))
	rows = append(rows, row{Name: "server RSS growth, 256 MiB push", Value: growth,
		Goal: goal{Max: 50, Unit: "MiB"}})
	return rows, nil
}

func flatIndex(ctx context.Context, b *bench) ([]row, error) {
	if err := b.ensureRead(ctx); err != nil {
		return nil, err
	}
	return getLoop("/v3/package/bench.read/index.json", 8, goal{Min: 25000, Unit: "req/s"})(ctx, b)
}

func download1MiB(ctx context.Context, b *bench) ([]row, error) {
	if err := b.ensureRead(ctx); err != nil {
		return nil, err
	}
	return getLoop("/v3/package/bench.read/1.0.0/bench.read.1.0.0.nupkg", 8, goal{Min: 2500, Unit: "MiB/s"})(ctx, b)
}

// getLoop measures GET path with clients keep-alive clients. Before it
// measures it pushes the read package and probes the path: a 404 or 405 means
// the server has no such endpoint yet.
func getLoop(path string, clients int, g goal) func(context.Context, *bench) ([]row, error) {
	return func(ctx context.Context, b *bench) ([]row, error) {
		if err := b.ensureRead(ctx); err != nil {
			return nil, err
		}
		if code := b.status(ctx, http.MethodGet, path); code != http.StatusOK {
			return nil, skipError{fmt.Sprintf("GET %s answers %d", trimQuery(path), code)}
		}
		// The server indexes pushes for search in the background, and a
		// search first waits for what is queued: after the push rows'
		// thousands of packages this makes the row measure reads, not reads
		// beside that indexing.
		b.status(ctx, http.MethodGet, "/v3/search?q=bench")
		// Each client is a rawConn: net/http's transport cost the load
		// generator about as much CPU per request as the server spent
		// answering it, on the two CPUs they share.
		req := b.getRequest(path)
		conns, err := newRawConns(b.base, clients)
		if err != nil {
			return nil, err
		}
		defer closeAll(conns)
		res, err := run(ctx, load{Clients: clients, Duration: b.duration, Max: b.max}, func(ctx context.Context, w int, _ int64) (int64, error) {
			return conns[w].do(req, http.StatusOK)
		})
		if err != nil {
			return nil, err
		}
		return []row{timed("", res, g)}, nil
	}
}

func trimQuery(p string) string { s, _, _ := strings.Cut(p, "?"); return s }

// v3Resource measures GET {resource}{suffix}, the resource's URL taken from the
// service index as a NuGet client finds it (any version of the type).
func v3Resource(typ, suffix string) func(context.Context, *bench) ([]row, error) {
	return func(ctx context.Context, b *bench) ([]row, error) {
		var idx struct {
			Resources []struct {
				ID   string `json:"@id"`
				Type string `json:"@type"`
			} `json:"resources"`
		}
		resp, err := b.client.Get(b.base + "/v3/index.json")
		if err != nil {
			return nil, err
		}
		err = json.NewDecoder(resp.Body).Decode(&idx)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("service index: %w", err)
		}
		for _, r := range idx.Resources {
			if r.Type == typ || strings.HasPrefix(r.Type, typ+"/") {
				u, err := url.Parse(r.ID)
				if err != nil {
					return nil, err
				}
				path := strings.TrimRight(u.Path, "/")
				if !strings.HasPrefix(suffix, "?") {
					path += "/"
				}
				return getLoop(path+suffix, 8, goal{Unit: "req/s"})(ctx, b)
			}
		}
		return nil, skipError{"no " + typ + " in /v3/index.json"}
	}
}

// octopusRaw uploads small zips through Octopus' built-in repository API, as
// octo.exe / the Octopus CLI do (multipart, X-Octopus-ApiKey), from clients
// workers. Each row has its own id, so its file names collide with no other
// row's. want is the expected status (0: any 2xx).
func octopusRaw(id string, clients, want int, g goal) func(context.Context, *bench) ([]row, error) {
	return func(ctx context.Context, b *bench) ([]row, error) {
		if code := b.status(ctx, http.MethodPost, "/api/packages/raw"); code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
			return nil, skipError{fmt.Sprintf("POST /api/packages/raw answers %d", code)}
		}
		var p packer
		return pushRow(ctx, b, clients, want, g, func(n int64) request {
			file := fmt.Sprintf("%s.1.0.%d.zip", id, n)
			zip := p.archive("app/readme.txt", "bench app "+file+"\n")
			return request{b.pushRequest(http.MethodPost, "/api/packages/raw", "X-Octopus-ApiKey", "fileToUpload", file, zip), int64(len(zip))}
		})
	}
}

const genericSize = 64 << 10

func genericPath(n int64) string {
	return fmt.Sprintf("/api/packages/bench/generic/blob/1.0.%d/blob.bin", n)
}

func genericUpload(ctx context.Context, b *bench) ([]row, error) {
	payload := bytes.Repeat([]byte("feedserver generic payload\n"), genericSize/27+1)[:genericSize]
	put := func(ctx context.Context, n int64) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, b.base+genericPath(n), bytes.NewReader(payload))
		if err != nil {
			return err
		}
		req.SetBasicAuth("bench", b.key)
		_, err = b.do(req, http.StatusCreated)
		return err
	}
	if code := b.status(ctx, http.MethodGet, genericPath(0)); code == http.StatusMethodNotAllowed || code == 0 {
		return nil, skipError{fmt.Sprintf("GET %s answers %d", genericPath(0), code)}
	}
	if err := put(ctx, 1<<40); err != nil { // probe: a 404 here means no generic routes yet
		if strings.Contains(err.Error(), "status 404") || strings.Contains(err.Error(), "status 405") {
			return nil, skipError{"PUT /api/packages/{owner}/generic/{name}/{version}/{file} " + err.Error()[strings.Index(err.Error(), "status"):]}
		}
		return nil, err
	}
	res, err := run(ctx, load{Clients: 1, Duration: b.duration, Max: b.max}, func(ctx context.Context, _ int, n int64) (int64, error) {
		return genericSize, put(ctx, n)
	})
	if err != nil {
		return nil, err
	}
	b.genericUploaded = res.Count
	return []row{timed("", res, goal{Unit: "req/s"})}, nil
}

func genericDownload(ctx context.Context, b *bench) ([]row, error) {
	if b.genericUploaded == 0 {
		return nil, skipError{"no generic upload to read (the upload row did not run)"}
	}
	return getLoop(genericPath(0), 8, goal{Unit: "MiB/s"})(ctx, b)
}

// reindex stops the server and times `feedserver reindex` on its data folder:
// cold with the catalogue and search index deleted, warm with both in place.
// The goals are the operations issue's (100,000 files cold in 60 s, warm in 5 s,
// peak memory under 300 MiB) as rates, so they apply to any count.
func reindex(cold bool) func(context.Context, *bench) ([]row, error) {
	return func(ctx context.Context, b *bench) ([]row, error) {
		if b.srv == nil {
			return nil, skipError{"needs -server (it stops and restarts the server)"}
		}
		if cold && b.srv.setting("FEEDSERVER_DATABASE") != "" {
			return nil, skipError{"the catalogue is in FEEDSERVER_DATABASE; this row deletes the data folder's catalog.db"}
		}
		if err := b.topUp(ctx); err != nil {
			return nil, err
		}
		files := b.files(ctx)
		b.srv.stop()
		defer func() {
			if err := b.srv.start(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintln(os.Stderr, "load: restart after re-index:", err)
			}
		}()
		if cold {
			for _, name := range []string{"catalog.db", "catalog.db-wal", "catalog.db-shm", "search"} {
				if err := os.RemoveAll(filepath.Join(b.srv.data, name)); err != nil {
					return nil, err
				}
			}
		}
		cmd := exec.CommandContext(ctx, b.srv.bin, "reindex")
		cmd.Env = append(append(os.Environ(), "FEEDSERVER_DATA="+b.srv.data), b.srv.env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		elapsed := time.Since(start)
		if err != nil {
			return nil, fmt.Errorf("feedserver reindex: %w: %s", err, lastLine(out.String()))
		}
		name, rate := "re-index warm (nothing changed)", 100000.0/5
		if cold {
			name, rate = "re-index cold (catalogue deleted)", 100000.0/60
		}
		rows := []row{{Name: fmt.Sprintf("%s, %d files", name, files), Count: files, Elapsed: elapsed,
			Value: float64(files) / elapsed.Seconds(), Goal: goal{Min: rate, Unit: "files/s"}}}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rows = append(rows, row{Name: "  peak memory of that re-index", Value: float64(ru.Maxrss) / 1024,
				Goal: goal{Max: 300, Unit: "MiB"}})
		}
		return rows, nil
	}
}

// topUp pushes small packages until the feed holds b.reindexN of them, so the
// re-index rows walk a realistic folder.
func (b *bench) topUp(ctx context.Context) error {
	missing := b.reindexN - b.files(ctx)
	if missing <= 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "load: pushing %d more packages for the re-index rows ...\n", missing)
	_, err := run(ctx, load{Clients: 4, Duration: time.Hour, Max: missing}, func(ctx context.Context, _ int, n int64) (int64, error) {
		// A few ids with many versions: the shape Octopus users saw slow re-indexes with.
		return 0, b.pushNupkg(ctx, smallNupkg(fmt.Sprintf("Bench.Many.P%d", n%20), fmt.Sprintf("2.%d.0", n/20)))
	})
	return err
}

// files counts the package files under the data folder's packages/
// directory, or, for a server whose packages are elsewhere (a -variant's
// FEEDSERVER_STORAGE), the versions its catalogue holds.
func (b *bench) files(ctx context.Context) int64 {
	if b.srv.setting("FEEDSERVER_STORAGE") != "" {
		return b.catalogVersions(ctx)
	}
	var n int64
	_ = filepath.WalkDir(filepath.Join(b.srv.data, "packages"), func(_ string, d os.DirEntry, err error) error {
		// Temporary uploads start with a dot or live in dot folders; everything else is a package.
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil
	})
	return n
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
