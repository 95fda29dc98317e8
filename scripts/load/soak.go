package main

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// soakMain is `load soak`: it starts the server on a temporary folder and has
// -clients workers push, download, search, list and delete concurrently until
// -duration passes or -max-ops operations were started, then checks that every
// acknowledged and not deleted package downloads byte for byte, every deleted
// one is gone, and the catalogue matches the package directory: the flat
// container lists exactly the files on disk, and a `feedserver reindex` of the
// stopped server's folder finds nothing to add or remove. Loopback only.
func soakMain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("load soak", flag.ContinueOnError)
	var (
		serverBin = fs.String("server", "", "feedserver binary to start on a temporary data folder (required)")
		duration  = fs.Duration("duration", 3*time.Minute, "how long the load runs")
		maxOps    = fs.Int64("max-ops", 200000, "most operations in all")
		clients   = fs.Int("clients", 8, "concurrent clients")
		ids       = fs.Int("ids", 100, "package ids the pushes spread over")
		keep      = fs.Bool("keep", false, "keep the data folder and server log")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *serverBin == "" {
		return errors.New("soak: -server BIN is required")
	}
	tmp, err := os.MkdirTemp("", "feedserver-soak-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(os.Stderr, "soak: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	s := &soak{
		bench: bench{
			tmp:    tmp,
			client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}, Timeout: 2 * time.Minute},
			srv:    &server{bin: *serverBin, data: filepath.Join(tmp, "data"), log: filepath.Join(tmp, "server.log"), key: apiKey()},
		},
		ids:  *ids,
		live: map[string]*soakPkg{},
		ops:  map[string]*soakOp{},
	}
	if err := s.srv.start(ctx); err != nil {
		return err
	}
	defer s.srv.stop()
	s.base, s.key = s.srv.base(), s.srv.key
	host, _ := os.Hostname()
	fmt.Printf("feedserver soak: %s, %d CPU(s) (%s), %s\n", host, runtime.NumCPU(), cpuModel(), time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("soak: %d clients for %s or %d operations, whichever ends first; server log %s\n\n", *clients, *duration, *maxOps, s.srv.log)

	start := time.Now()
	loadErr := s.run(ctx, *clients, *duration, *maxOps)
	elapsed := time.Since(start)
	s.report(elapsed)
	if loadErr != nil {
		return fmt.Errorf("soak: during the load: %w (server log %s)", loadErr, s.srv.log)
	}
	fmt.Println("\nsoak: checking every package against what was acknowledged ...")
	if err := s.verify(ctx); err != nil {
		return fmt.Errorf("soak: check failed: %w (server log %s)", err, s.srv.log)
	}
	return nil
}

// soakPkg is one pushed package as the soak knows it.
type soakPkg struct {
	id, version string
	size        int64
	sum         [32]byte
	pins        int  // downloads in flight: a delete waits for none
	deleting    bool // a delete is in flight: no new download starts
	deleted     bool
}

func (p *soakPkg) key() string { return strings.ToLower(p.id + "/" + p.version) }

// soakOp is the figures of one kind of operation.
type soakOp struct {
	lat   []time.Duration
	bytes int64
}

type soak struct {
	bench
	ids int

	mu      sync.Mutex
	live    map[string]*soakPkg // key() → package, deleted ones included
	order   []*soakPkg          // for random picks
	ops     map[string]*soakOp
	pushed  atomic.Int64
	deleted atomic.Int64
}

func (s *soak) record(op string, d time.Duration, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.ops[op]
	if o == nil {
		o = &soakOp{}
		s.ops[op] = o
	}
	o.lat = append(o.lat, d)
	o.bytes += n
}

// soakNupkg is a package with a payload of size pseudo-random bytes (stored,
// so the bytes on the wire and on disk are what they say).
func soakNupkg(id, version string, size int, rng *rand.Rand) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(id + ".nuspec") // writes to a bytes.Buffer cannot fail
	_, _ = io.WriteString(w, nuspec(id, version))
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "lib/netstandard2.0/" + id + ".dll", Method: zip.Store})
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	_, _ = w.Write(payload)
	_ = zw.Close()
	return buf.Bytes()
}

// run drives the mixed load: 35% pushes, 35% downloads, 10% searches, 10%
// flat-container lists, 10% deletes. The first unexpected answer stops it.
// The clock only stops new operations: one in flight finishes, so every push
// the server took is one the soak knows the answer to.
func (s *soak) run(ctx context.Context, clients int, duration time.Duration, maxOps int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deadline := time.Now().Add(duration)
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if next.Add(1) > maxOps {
					return
				}
				var err error
				switch r := rng.IntN(100); {
				case r < 35:
					err = s.push(ctx, rng)
				case r < 70:
					err = s.download(ctx, rng)
				case r < 80:
					err = s.search(ctx, rng)
				case r < 90:
					err = s.list(ctx, rng)
				default:
					err = s.delete(ctx, rng)
				}
				if err != nil && ctx.Err() == nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func (s *soak) push(ctx context.Context, rng *rand.Rand) error {
	n := s.pushed.Add(1) - 1
	id, version := fmt.Sprintf("Soak.P%d", n%int64(s.ids)), fmt.Sprintf("1.0.%d", n/int64(s.ids))
	size := 512 + rng.IntN(32<<10) // mostly small, as CI feeds are
	if rng.IntN(50) == 0 {
		size = 1<<20 + rng.IntN(1<<20)
	}
	pkg := soakNupkg(id, version, size, rng)
	t := time.Now()
	if err := s.pushNupkg(ctx, pkg); err != nil {
		return fmt.Errorf("push %s %s: %w", id, version, err)
	}
	s.record("push", time.Since(t), int64(len(pkg)))
	p := &soakPkg{id: id, version: version, size: int64(len(pkg)), sum: sha256.Sum256(pkg)}
	s.mu.Lock()
	s.live[p.key()] = p
	s.order = append(s.order, p)
	s.mu.Unlock()
	return nil
}

// pick returns a random live package and pins it, or nil.
func (s *soak) pick(rng *rand.Rand, forDelete bool) *soakPkg {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 8 {
		if len(s.order) == 0 {
			return nil
		}
		p := s.order[rng.IntN(len(s.order))]
		if p.deleted || p.deleting || (forDelete && p.pins > 0) {
			continue
		}
		if forDelete {
			p.deleting = true
		} else {
			p.pins++
		}
		return p
	}
	return nil
}

func (s *soak) download(ctx context.Context, rng *rand.Rand) error {
	p := s.pick(rng, false)
	if p == nil {
		return nil
	}
	defer func() { s.mu.Lock(); p.pins--; s.mu.Unlock() }()
	t := time.Now()
	sum, n, err := s.fetch(ctx, p)
	if err != nil {
		return err
	}
	s.record("download", time.Since(t), n)
	if sum != p.sum || n != p.size {
		return fmt.Errorf("download %s %s: %d bytes that differ from the %d pushed", p.id, p.version, n, p.size)
	}
	return nil
}

// fetch downloads a package from the flat container and hashes it.
func (s *soak) fetch(ctx context.Context, p *soakPkg) ([32]byte, int64, error) {
	lid, lv := strings.ToLower(p.id), strings.ToLower(p.version)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/v3/package/%s/%s/%s.%s.nupkg", s.base, lid, lv, lid, lv), nil)
	if err != nil {
		return [32]byte{}, 0, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return [32]byte{}, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return [32]byte{}, 0, fmt.Errorf("download %s %s: status %d", p.id, p.version, resp.StatusCode)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err != nil {
		return [32]byte{}, 0, err
	}
	return [32]byte(h.Sum(nil)), n, nil
}

func (s *soak) search(ctx context.Context, rng *rand.Rand) error {
	q := "soak"
	if rng.IntN(2) == 0 {
		q = fmt.Sprintf("id:Soak.P%d", rng.IntN(s.ids))
	}
	t := time.Now()
	var res struct {
		TotalHits *int `json:"totalHits"`
	}
	body, err := s.getBody(ctx, "/v3/search?q="+q+"&take=20&prerelease=true", http.StatusOK)
	if err == nil {
		err = json.Unmarshal(body, &res)
	}
	if err == nil && res.TotalHits == nil {
		err = errors.New("no totalHits")
	}
	if err != nil {
		return fmt.Errorf("search %q: %w", q, err)
	}
	s.record("search", time.Since(t), int64(len(body)))
	return nil
}

func (s *soak) list(ctx context.Context, rng *rand.Rand) error {
	id := fmt.Sprintf("soak.p%d", rng.IntN(s.ids))
	t := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/v3/package/"+id+"/index.json", nil)
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
		return fmt.Errorf("flat container of %s: status %d", id, resp.StatusCode)
	}
	s.record("flat container list", time.Since(t), n)
	return nil
}

func (s *soak) delete(ctx context.Context, rng *rand.Rand) error {
	p := s.pick(rng, true)
	if p == nil {
		return nil
	}
	t := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, s.base+"/api/v2/package/"+p.id+"/"+p.version, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-NuGet-ApiKey", s.key)
	_, err = s.do(req, http.StatusNoContent)
	s.mu.Lock()
	p.deleting = false
	p.deleted = err == nil
	s.mu.Unlock()
	if err != nil {
		// Not acknowledged: the package may or may not be gone, and the
		// check below would not know which to expect.
		return fmt.Errorf("delete %s %s: %w", p.id, p.version, err)
	}
	s.deleted.Add(1)
	s.record("delete", time.Since(t), 0)
	return nil
}

func (s *soak) getBody(ctx context.Context, path string, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("GET %s: status %d, want %d", path, resp.StatusCode, want)
	}
	return body, nil
}

// report prints one table row per kind of operation, and the server's memory.
func (s *soak) report(elapsed time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows [][]string
	var total int64
	for _, name := range []string{"push", "download", "search", "flat container list", "delete"} {
		o := s.ops[name]
		if o == nil {
			rows = append(rows, []string{name, "0", "-", "-", "-", "-"})
			continue
		}
		slices.Sort(o.lat)
		res := result{Count: int64(len(o.lat)), Bytes: o.bytes, Elapsed: elapsed, Latencies: o.lat}
		total += res.Count
		rows = append(rows, []string{name, fmt.Sprint(res.Count), num(res.perSecond()) + " req/s",
			num(res.mibPerSecond()) + " MiB/s", res.quantile(0.5).Round(time.Microsecond).String(), res.quantile(0.99).Round(time.Microsecond).String()})
	}
	printTable(os.Stdout, []string{"operation", "count", "rate", "payload", "p50", "p99"}, rows)
	fmt.Printf("\n%d operations in %s (%s ops/s); %d packages acknowledged, %d deleted, %d kept\n",
		total, elapsed.Round(time.Millisecond), num(float64(total)/elapsed.Seconds()), len(s.order), s.deleted.Load(), int64(len(s.order))-s.deleted.Load())
	if st, err := procStatus(s.srv.pid()); err == nil {
		fmt.Printf("server memory: VmRSS %s, peak VmHWM %s\n", mib(st.rss), mib(st.hwm))
	}
}

// verify runs after the load, with nothing else in flight.
func (s *soak) verify(ctx context.Context) error {
	s.mu.Lock()
	pkgs := slices.Clone(s.order)
	s.mu.Unlock()

	// 1. Every acknowledged package: kept ones byte for byte, deleted ones gone.
	byID := map[string][]string{} // lower id → kept lower versions
	var kept, gone int
	for _, p := range pkgs {
		if p.deleted {
			lid, lv := strings.ToLower(p.id), strings.ToLower(p.version)
			code := s.status(ctx, http.MethodGet, fmt.Sprintf("/v3/package/%s/%s/%s.%s.nupkg", lid, lv, lid, lv))
			if code != http.StatusNotFound {
				return fmt.Errorf("deleted %s %s answers %d, want 404", p.id, p.version, code)
			}
			gone++
			continue
		}
		sum, n, err := s.fetch(ctx, p)
		if err != nil {
			return fmt.Errorf("acknowledged package lost: %w", err)
		}
		if sum != p.sum || n != p.size {
			return fmt.Errorf("%s %s: %d bytes that differ from the %d pushed", p.id, p.version, n, p.size)
		}
		byID[strings.ToLower(p.id)] = append(byID[strings.ToLower(p.id)], strings.ToLower(p.version))
		kept++
	}
	fmt.Printf("soak: %d kept packages downloaded byte-identical, %d deleted ones answer 404\n", kept, gone)

	// 2. The catalogue (flat container) lists exactly the kept versions, and
	// the directory holds exactly their files.
	onDisk, err := s.diskVersions()
	if err != nil {
		return err
	}
	for k := range s.ids {
		lid := fmt.Sprintf("soak.p%d", k)
		want := byID[lid]
		slices.Sort(want)
		body, err := s.getBody(ctx, "/v3/package/"+lid+"/index.json", http.StatusOK)
		var listed struct{ Versions []string }
		if err != nil && len(want) == 0 && strings.Contains(err.Error(), "status 404") {
			err = nil // no version left: 404 is right
		} else if err == nil {
			err = json.Unmarshal(body, &listed)
		}
		if err != nil {
			return fmt.Errorf("flat container of %s: %w", lid, err)
		}
		slices.Sort(listed.Versions)
		disk := onDisk[lid]
		slices.Sort(disk)
		delete(onDisk, lid)
		if !slices.Equal(listed.Versions, want) || !slices.Equal(disk, want) {
			return fmt.Errorf("%s: catalogue lists %d versions, disk holds %d, %d acknowledged and kept", lid, len(listed.Versions), len(disk), len(want))
		}
	}
	if len(onDisk) > 0 {
		return fmt.Errorf("files on disk for %d ids that nobody pushed", len(onDisk))
	}
	fmt.Printf("soak: the flat container of all %d ids lists exactly the files on disk and the kept packages\n", s.ids)

	// 3. A re-index of the stopped server's folder finds the catalogue in
	// line with the directory: nothing to add, nothing to remove, no
	// temporary file left.
	s.srv.stop()
	cmd := exec.CommandContext(ctx, s.srv.bin, "reindex")
	cmd.Env = append(os.Environ(), "FEEDSERVER_DATA="+s.srv.data)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("feedserver reindex: %w: %s", err, lastLine(string(out)))
	}
	var summary string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, `msg="re-index finished"`) {
			summary = line
		}
	}
	if !strings.Contains(summary, " added=0 ") || !strings.Contains(summary, " removed=0 ") || !strings.Contains(summary, " failed=0 ") {
		return fmt.Errorf("the re-index after the soak changed the catalogue: %s", summary)
	}
	if left, _ := filepath.Glob(filepath.Join(s.srv.data, "packages", ".tmp", "*")); len(left) > 0 {
		return fmt.Errorf("temporary files left: %v", left[:min(3, len(left))])
	}
	fmt.Printf("soak: feedserver reindex afterwards: %s\n", summary[strings.Index(summary, "seen="):])
	fmt.Println("soak: ok")
	return nil
}

// diskVersions lists the package files of the default space by lower id.
func (s *soak) diskVersions() (map[string][]string, error) {
	root := filepath.Join(s.srv.data, "packages", "spaces-1", "nuget")
	out := map[string][]string{}
	idDirs, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	for _, d := range idDirs {
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			// {id}/{id}.{version}.nupkg (feed/layout.go; this tool must not import it)
			v, ok := strings.CutPrefix(f.Name(), d.Name()+".")
			if v, ok2 := strings.CutSuffix(v, ".nupkg"); ok && ok2 && f.Type().IsRegular() {
				out[d.Name()] = append(out[d.Name()], v)
			}
		}
	}
	return out, nil
}
