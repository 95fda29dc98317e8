package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"
)

// bench is what every scenario gets: the server, an HTTP client with keep-alive
// connections, and the run's settings.
type bench struct {
	base     string // http://127.0.0.1:port
	key      string // administrator API key
	srv      *server
	client   *http.Client
	duration time.Duration
	max      int64
	tmp      string
	// reindexN is how many package files the re-index rows want in the folder.
	reindexN int64
	// genericUploaded is how many generic files the upload row stored.
	genericUploaded int64
	// corpus is the feed of the distinct-query search rows (searchrows.go),
	// nil until the first of them runs.
	corpus *searchCorpus
}

func main() {
	// Sub-commands with their own flags: soak.go and genfiles.go.
	if len(os.Args) > 1 && (os.Args[1] == "soak" || os.Args[1] == "genfiles") {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		var err error
		if os.Args[1] == "soak" {
			err = soakMain(ctx, os.Args[2:])
		} else {
			err = genFilesMain(os.Args[2:])
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(1)
		}
		return
	}
	var (
		serverBin = flag.String("server", "", "feedserver binary to start on a temporary data folder (scripts/bench passes it)")
		base      = flag.String("base", "", "measure an already running server at this URL instead (no memory or re-index rows)")
		key       = flag.String("key", "", "administrator API key of the -base server")
		duration  = flag.Duration("duration", 3*time.Second, "how long each timed row runs")
		max       = flag.Int64("max", 200000, "most operations per timed row")
		only      = flag.String("only", "", "run only rows whose operation matches this regexp")
		keep      = flag.Bool("keep", false, "keep the temporary data folder and server log")
		reindexN  = flag.Int64("reindex-files", 10000, "package files in the folder for the re-index rows (pushed first if fewer)")
		vs        variants
	)
	flag.Var(&vs, "variant", "also run every row on a server started with these settings, 'NAME ENV=VALUE ...' (repeatable; needs -server; variants.go)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := mainErr(ctx, *serverBin, *base, *key, *duration, *max, *only, *keep, *reindexN, vs); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, serverBin, base, key string, duration time.Duration, max int64, only string, keep bool, reindexN int64, vs variants) error {
	filter, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-only: %w", err)
	}
	tmp, err := os.MkdirTemp("", "feedserver-load-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Fprintln(os.Stderr, "load: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	b := &bench{
		duration: duration,
		max:      max,
		reindexN: reindexN,
		tmp:      tmp,
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: 64,
			DisableCompression:  true,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		}},
	}
	switch {
	case serverBin != "":
		b.srv = &server{bin: serverBin, data: filepath.Join(tmp, "data"), log: filepath.Join(tmp, "server.log"), key: apiKey()}
		if err := b.srv.start(ctx); err != nil {
			return err
		}
		defer b.srv.stop()
		b.base, b.key = b.srv.base(), b.srv.key
	case base != "" && key != "":
		b.base, b.key = strings.TrimRight(base, "/"), key
	default:
		return errors.New("give -server BIN, or -base URL with -key KEY")
	}
	benches := []*bench{b}
	for _, v := range vs {
		if b.srv == nil {
			return errors.New("-variant needs -server")
		}
		vb, err := v.start(ctx, b)
		if err != nil {
			return err
		}
		defer vb.srv.stop()
		benches = append(benches, vb)
	}

	header(b)
	var peaks []*peakSampler // one per bench with a server of its own
	for _, b := range benches {
		if b.srv != nil {
			p := samplePeak(b.srv)
			defer p.stop()
			peaks = append(peaks, p)
		}
	}
	var (
		table    [][]string
		notes    []string
		missed   int
		compared []comparison
	)
	for _, s := range scenarios() {
		if !filter.MatchString(s.Name) {
			continue
		}
		var defaultRows []row
		for i, b := range benches {
			suffix := ""
			if i > 0 {
				suffix = " [" + vs[i-1].name + "]"
			}
			fmt.Fprintf(os.Stderr, "load: %s%s ...\n", s.Name, suffix)
			cpu0 := serverCPU(b.srv)
			rows, err := s.Run(ctx, b)
			if cpu := serverCPU(b.srv); len(rows) == 1 && rows[0].Count > 0 && cpu.pid == cpu0.pid && cpu.pid != 0 {
				// One row, one server process throughout: its CPU per request.
				rows[0].ServerCPU = (cpu.used - cpu0.used) / time.Duration(rows[0].Count)
			}
			var skip skipError
			switch {
			case errors.As(err, &skip):
				rows = []row{{Name: s.Name, Note: "n/a", Why: skip.reason}}
			case err != nil:
				rows = []row{{Name: s.Name, Note: "FAILED", Why: err.Error()}}
				missed++
			}
			for j, r := range rows {
				if r.Name == "" {
					r.Name = s.Name
				}
				if i == 0 {
					defaultRows = append(defaultRows, r)
				} else if j < len(defaultRows) {
					compared = append(compared, comparison{defaultRows[j], r, vs[i-1].name})
				}
				r.Name += suffix
				if r.Goal.set() && r.Note == "" && !r.Goal.met(r.Value) {
					missed++
				}
				if r.Why != "" {
					notes = append(notes, fmt.Sprintf("[%d] %s: %s", len(notes)+1, r.Name, r.Why))
					r.Note += fmt.Sprintf(" [%d]", len(notes))
				}
				table = append(table, r.cells())
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	for i, p := range peaks {
		// Sampled through the whole run, restarts included: the 256 MiB push
		// row resets VmHWM, so VmHWM alone would miss what came before it.
		r := row{Name: "server peak RSS, whole run", Value: float64(p.stop()) / 1024, Goal: goal{Max: 150, Unit: "MiB"}}
		if i > 0 {
			r.Name += " [" + vs[i-1].name + "]"
		}
		if !r.Goal.met(r.Value) {
			missed++
		}
		table = append(table, r.cells())
	}
	printTable(os.Stdout, []string{"operation", "count", "duration", "rate", "p50", "p99", "server CPU/req", "goal", "met?"}, table)
	for _, n := range notes {
		fmt.Println(n)
	}
	printComparisons(os.Stdout, compared)
	for i, b := range benches {
		if b.srv == nil {
			continue
		}
		name := "server"
		if i > 0 {
			name = "server [" + vs[i-1].name + "]"
		}
		if st, err := procStatus(b.srv.pid()); err == nil {
			fmt.Printf("%s memory at the end: VmRSS %s, peak VmHWM %s\n", name, mib(st.rss), mib(st.hwm))
		}
	}
	fmt.Printf("CPU check at the end: %s; %s\n", cpuCheck(), diskCheck(b.tmp))
	fmt.Printf("%d row(s) missed their goal or failed\n", missed)
	return nil
}

func header(b *bench) {
	host, _ := os.Hostname()
	fmt.Printf("feedserver load: %s, %s/%s, %d CPU(s) (%s), %s\n", host, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("client and server share these CPUs on loopback: every figure includes the load generator's own cost.\n")
	fmt.Printf("server %s; each timed row runs %s or %d operations, whichever ends first; keep-alive connections.\n", b.base, b.duration, b.max)
	level := os.Getenv("FEEDSERVER_LOG_LEVEL")
	if level == "" {
		level = "info (one access-log line per request)"
	}
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Printf("server log level %s; load average at start %s\n", level, strings.Join(strings.Fields(string(load))[:min(3, len(strings.Fields(string(load))))], " "))
	fmt.Printf("CPU check at start: %s; %s\n", cpuCheck(), diskCheck(b.tmp))
	fmt.Println()
}

// diskCheck times what a small push asks of the kernel: create a 4 KiB file
// in a folder, fsync it, rename it into a subfolder and fsync that; 200 times
// by one writer, then 400 times by eight at once, with the CPU each loop cost
// this process. Over one afternoon this varied by a third while the CPU check
// did not move, and push rates vary as much: a sequential push cannot beat the
// one-writer figure, and on a virtual disk an fsync costs CPU that the server
// then lacks. The files stay until dir is removed: deleting them here would
// slow the creates of the rows that follow (see the README).
func diskCheck(dir string) string {
	one, oneCPU, err := diskLoop(dir, 1, 200)
	if err != nil {
		return "disk check failed: " + err.Error()
	}
	eight, eightCPU, err := diskLoop(dir, 8, 50)
	if err != nil {
		return "disk check failed: " + err.Error()
	}
	return fmt.Sprintf("disk check %.0f fsynced files/s (%s CPU each), %.0f/s by 8 writers (%s CPU each)",
		one, oneCPU.Round(time.Microsecond), eight, eightCPU.Round(time.Microsecond))
}

// diskLoop runs the disk check's loop each times in each of writers
// goroutines and returns the loops per second and the CPU time (user and
// system) per loop.
func diskLoop(dir string, writers, each int) (float64, time.Duration, error) {
	work, err := os.MkdirTemp(dir, "diskcheck-")
	if err != nil {
		return 0, 0, err
	}
	final := filepath.Join(work, "final")
	if err := os.Mkdir(final, 0o755); err != nil {
		return 0, 0, err
	}
	buf := make([]byte, 4096)
	loop := func(name string) error {
		f, err := os.Create(filepath.Join(work, name))
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.Write(buf); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		if err := os.Rename(filepath.Join(work, name), filepath.Join(final, name)); err != nil {
			return err
		}
		d, err := os.Open(final)
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Sync()
	}
	cpu0 := cpuTime()
	start := time.Now()
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				if err := loop(fmt.Sprintf("w%d-%d", w, i)); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return 0, 0, err
	}
	n := writers * each
	return float64(n) / time.Since(start).Seconds(), (cpuTime() - cpu0) / time.Duration(n), nil
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuCheck times one core hashing 64 MiB with SHA-256 (the median of three
// runs). A busy host can slow a virtual machine's cores, and then every row
// slows with them; the table prints this before and after the rows so such a
// run shows it.
func cpuCheck() time.Duration {
	buf := make([]byte, 1<<20)
	var runs []time.Duration
	for range 3 {
		h := sha256.New()
		start := time.Now()
		for range 64 {
			h.Write(buf)
		}
		h.Sum(nil)
		runs = append(runs, time.Since(start))
	}
	slices.Sort(runs)
	return runs[1].Round(time.Millisecond)
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// --- the table --------------------------------------------------------------------

// goal is a row's target: at least Min or, when Max is set, at most Max, in Unit.
type goal struct {
	Min, Max float64
	Unit     string
}

func (g goal) set() bool { return g.Min > 0 || g.Max > 0 }
func (g goal) met(v float64) bool {
	if g.Max > 0 {
		return v < g.Max
	}
	return v >= g.Min
}
func (g goal) String() string {
	switch {
	case g.Max > 0:
		return fmt.Sprintf("< %s %s", num(g.Max), g.Unit)
	case g.Min > 0:
		return fmt.Sprintf(">= %s %s", num(g.Min), g.Unit)
	}
	return "-"
}

// row is one line of the table. Value is in Goal.Unit (or Unit when no goal).
type row struct {
	Name     string
	Count    int64
	Elapsed  time.Duration
	Value    float64
	Unit     string
	P50, P99 time.Duration
	Goal     goal
	Note     string // replaces the figures: "n/a" or "FAILED"
	Why      string // the reason for Note, printed under the table
	// ServerCPU is the server process's CPU time (user and system) per
	// request over the row; 0 when not known (a row of several figures, a
	// server restarted within it, or one measured through -base).
	ServerCPU time.Duration
}

// cells are the row's columns, formatted.
func (r row) cells() []string {
	if r.Note != "" {
		return []string{r.Name, "", "", r.Note, "", "", "", r.Goal.String(), "-"}
	}
	unit := r.Unit
	if unit == "" {
		unit = r.Goal.Unit
	}
	met := "-"
	if r.Goal.set() {
		met = "no"
		if r.Goal.met(r.Value) {
			met = "yes"
		}
	}
	lat := func(d time.Duration) string {
		if d == 0 {
			return "-"
		}
		return d.Round(time.Microsecond).String()
	}
	count := "-"
	if r.Count > 0 {
		count = strconv.FormatInt(r.Count, 10)
	}
	dur := "-"
	if r.Elapsed > 0 {
		dur = r.Elapsed.Round(time.Millisecond).String()
	}
	return []string{r.Name, count, dur, num(r.Value) + " " + unit, lat(r.P50), lat(r.P99), lat(r.ServerCPU), r.Goal.String(), met}
}

// printTable writes a Markdown table (so it pastes into the README as is):
// the first column left-aligned, the figures right-aligned.
func printTable(w io.Writer, head []string, rows [][]string) {
	width := make([]int, len(head))
	for _, r := range append([][]string{head}, rows...) {
		for i, c := range r {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r []string) {
		var sb strings.Builder
		sb.WriteString("|")
		for i, c := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i == 0 {
				sb.WriteString(" " + c + pad + " |")
			} else {
				sb.WriteString(" " + pad + c + " |")
			}
		}
		fmt.Fprintln(w, sb.String())
	}
	line(head)
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = strings.Repeat("-", width[i])
		if i > 0 {
			sep[i] = sep[i][1:] + ":"
		}
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
}

// timed turns a run's result into a row measured in req/s or MiB/s.
func timed(name string, res result, g goal) row {
	r := row{Name: name, Count: res.Count, Elapsed: res.Elapsed, P50: res.quantile(0.5), P99: res.quantile(0.99), Goal: g, Unit: g.Unit}
	if g.Unit == "MiB/s" {
		r.Value = res.mibPerSecond()
	} else {
		r.Value, r.Unit = res.perSecond(), "req/s"
	}
	return r
}

func num(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

// skipError marks a row the server cannot run yet (endpoint missing, no -server).
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

// --- HTTP helpers -------------------------------------------------------------------

// do sends req and reads the body to the end (so the connection is reused),
// failing unless the status is want (0: any 2xx). It returns the body bytes read.
func (b *bench) do(req *http.Request, want int) (int64, error) {
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if !wanted(resp.StatusCode, want) {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, bytes.TrimSpace(msg))
	}
	return io.Copy(io.Discard, resp.Body)
}

// wanted reports whether status is want, or any 2xx when want is 0.
func wanted(status, want int) bool {
	return status == want || want == 0 && status/100 == 2
}

// status is the code of GET path, for probing whether an endpoint exists.
func (b *bench) status(ctx context.Context, method, path string) int {
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, nil)
	if err != nil {
		return 0
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// multipartBoundary separates the parts of every upload the load generator
// sends, and multipartType is their Content-Type.
const (
	multipartBoundary = "feedserverloadboundary7MA4YWxkTrZu0gW"
	multipartType     = "multipart/form-data; boundary=" + multipartBoundary
)

// multipartFile is what goes before and after a file's bytes in a
// multipart/form-data body of that one file part.
func multipartFile(field, file string) (head, tail string) {
	head = fmt.Sprintf("--%s\r\nContent-Disposition: form-data; name=%q; filename=%q\r\nContent-Type: application/octet-stream\r\n\r\n", multipartBoundary, field, file)
	return head, "\r\n--" + multipartBoundary + "--\r\n"
}

// pushMultipart sends size bytes from r to path as the one file part of a
// multipart/form-data body, as NuGet.exe and Octopus clients do. The body is
// built by hand around r so a large package streams instead of being buffered.
func (b *bench) pushMultipart(ctx context.Context, path, header, field, file string, r io.Reader, size int64, method string, want int) error {
	head, tail := multipartFile(field, file)
	var body io.Reader
	if mem, ok := r.(interface{ Bytes() []byte }); ok && size <= 64<<10 {
		// A small package goes out in one piece, as a client holding it in
		// memory sends it: net/http writes a body it cannot see the size of
		// after flushing the headers, part by part, and the server then
		// wakes for every part.
		buf := make([]byte, 0, len(head)+int(size)+len(tail))
		buf = append(append(append(buf, head...), mem.Bytes()...), tail...)
		body = bytes.NewReader(buf)
	} else {
		body = io.MultiReader(strings.NewReader(head), r, strings.NewReader(tail))
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return err
	}
	req.ContentLength = int64(len(head)) + size + int64(len(tail))
	req.Header.Set("Content-Type", multipartType)
	req.Header.Set(header, b.key)
	_, err = b.do(req, want)
	return err
}

// pushNupkg pushes one package to NuGet's v2 publish URL, expecting 201.
func (b *bench) pushNupkg(ctx context.Context, pkg []byte) error {
	return b.pushMultipart(ctx, "/api/v2/package", "X-NuGet-ApiKey", "package", "package.nupkg", bytes.NewBuffer(pkg), int64(len(pkg)), http.MethodPut, http.StatusCreated)
}

// --- the server process -------------------------------------------------------------

type server struct {
	bin, data, log, key string
	env                 []string // added to the environment (a -variant's settings)
	port                int
	cmd                 *exec.Cmd
	exited              chan struct{}
	running             atomic.Int64 // the process id while it runs, for the peak sampler
}

func apiKey() string {
	// Octopus' key shape: API- and [A-Z0-9]; the server refuses any other.
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	for i := range b {
		b[i] = chars[int(b[i])%len(chars)]
	}
	return "API-" + string(b)
}

func (s *server) base() string { return fmt.Sprintf("http://127.0.0.1:%d", s.port) }
func (s *server) pid() int     { return s.cmd.Process.Pid }

// start runs the binary on the data folder and waits for /readyz.
func (s *server) start(ctx context.Context) error {
	if s.port == 0 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		s.port = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
	}
	logf, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(s.bin)
	s.cmd.Env = append(os.Environ(),
		"FEEDSERVER_DATA="+s.data,
		fmt.Sprintf("FEEDSERVER_LISTEN=127.0.0.1:%d", s.port),
		"FEEDSERVER_ADMIN_API_KEY="+s.key,
	)
	s.cmd.Env = append(s.cmd.Env, s.env...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.exited = make(chan struct{})
	s.running.Store(int64(s.cmd.Process.Pid))
	go func() { _ = s.cmd.Wait(); s.running.Store(0); logf.Close(); close(s.exited) }()
	return s.waitReady(ctx, 60*time.Second)
}

// waitReady polls /readyz until 200.
func (s *server) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready; log: %s", s.log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		resp, err := http.Get(s.base() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("server not ready after %s; log: %s", limit, s.log)
}

// stop sends SIGTERM and waits for the exit (SIGKILL after 30 s).
func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// --- /proc --------------------------------------------------------------------------

// cpuUse is what a server process has used of the CPUs so far.
type cpuUse struct {
	pid  int
	used time.Duration
}

// serverCPU reads the user and system time of srv's process from
// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux);
// pid 0 when no process runs.
func serverCPU(srv *server) cpuUse {
	if srv == nil {
		return cpuUse{}
	}
	pid := int(srv.running.Load())
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if pid == 0 || err != nil {
		return cpuUse{}
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		return cpuUse{}
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return cpuUse{pid: pid, used: time.Duration(utime+stime) * 10 * time.Millisecond}
}

type status struct{ rss, hwm int64 } // KiB

func procStatus(pid int) (status, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return status{}, err
	}
	var st status
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			st.rss = n
		case "VmHWM":
			st.hwm = n
		}
	}
	return st, nil
}

// peakSampler reads the server's resident memory every 50 ms and keeps the
// highest: VmRSS, and VmHWM (the peak since the last reset, which catches
// what happens between two samples).
type peakSampler struct {
	done chan struct{}
	max  chan int64
}

func samplePeak(s *server) *peakSampler {
	p := &peakSampler{done: make(chan struct{}), max: make(chan int64, 1)}
	go func() {
		var most int64
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if pid := s.running.Load(); pid != 0 {
				if st, err := procStatus(int(pid)); err == nil {
					most = max(most, st.rss, st.hwm)
				}
			}
			select {
			case <-p.done:
				p.max <- most
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// stop ends the sampling and returns the peak in KiB; later calls return 0.
func (p *peakSampler) stop() int64 {
	select {
	case <-p.done:
		return 0
	default:
	}
	close(p.done)
	return <-p.max
}

// resetPeak sets the process' VmHWM back to its current RSS (Linux ≥ 4.0,
// writing 5 to clear_refs), so the next VmHWM is the peak of what follows.
func resetPeak(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
