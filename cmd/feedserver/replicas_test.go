package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// group is n feedserver processes (run, as main runs it) sharing one
// PostgreSQL database and one bucket, each with its own data folder: the
// replicas a load balancer would spread requests over.
type group struct {
	dsn     string
	bucket  testsvc.Bucket
	servers []*server
}

func startGroup(t *testing.T, n int) *group {
	t.Helper()
	g := &group{dsn: pg.NewDatabase(t), bucket: vgw.NewBucket(t)}
	for range n {
		g.servers = append(g.servers, g.start(t))
	}
	return g
}

// start starts one more replica of the group.
func (g *group) start(t *testing.T) *server {
	t.Helper()
	return startServerWith(t, map[string]string{"AWS_ACCESS_KEY_ID": g.bucket.AccessKey, "AWS_SECRET_ACCESS_KEY": g.bucket.SecretKey},
		"-data", t.TempDir(), "-database", g.dsn, "-storage", g.bucket.URL("feed"))
}

// objects lists the bucket's keys below prefix.
func (g *group) objects(t *testing.T, prefix string) []string {
	t.Helper()
	u, err := url.Parse(g.bucket.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(g.bucket.AccessKey, g.bucket.SecretKey, ""), Region: g.bucket.Region})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for o := range c.ListObjects(context.Background(), g.bucket.Name, minio.ListObjectsOptions{Prefix: "feed/" + prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

func (s *server) push(t *testing.T, nupkg []byte) int {
	t.Helper()
	body, ct := protocoltest.Multipart(t, "package", "package.nupkg", nupkg)
	code, _ := s.status(t, http.MethodPut, "/api/v2/package/", bytes.NewReader(body), "X-NuGet-ApiKey", testAdminKey, "Content-Type", ct)
	return code
}

// TestReplicasRacingPushes: pushes of one id and version with different
// bytes race through two replicas: one 201 and 409 for the others (200 for
// Octopus' IgnoreIfExists), one file in the bucket, one row, and the file
// downloaded through either replica is the winner's bytes.
func TestReplicasRacingPushes(t *testing.T) {
	g := startGroup(t, 2)
	type result struct {
		code int
		body []byte
	}
	race := func(n int, send func(i int, s *server, body []byte) int, body func(i int) []byte) []result {
		results := make([]result, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			results[i].body = body(i)
			wg.Go(func() {
				<-start
				results[i].code = send(i, g.servers[i%2], results[i].body)
			})
		}
		close(start)
		wg.Wait()
		return results
	}
	check := func(what string, results []result, other int, download string) {
		t.Helper()
		var winner []byte
		for i, r := range results {
			switch r.code {
			case http.StatusCreated:
				if winner != nil {
					t.Errorf("%s: two pushes created the version", what)
				}
				winner = r.body
			case other:
			default:
				t.Errorf("%s: push %d answered %d, want 201 or %d", what, i, r.code, other)
			}
		}
		if winner == nil {
			t.Fatalf("%s: no push answered 201", what)
		}
		for _, s := range g.servers {
			if code, got := s.status(t, http.MethodGet, download, nil); code != 200 || !bytes.Equal(got, winner) {
				t.Errorf("%s: %s through %s = %d, %d bytes: not the winner's bytes", what, download, s.base, code, len(got))
			}
		}
	}

	const n = 8
	nuget := race(n, func(_ int, s *server, body []byte) int { return s.push(t, body) },
		func(i int) []byte { return protocoltest.NupkgPadded(t, "Raced.Replicas", "1.0.0", 1000+i) })
	check("NuGet push", nuget, http.StatusConflict, "/v3/package/raced.replicas/1.0.0/raced.replicas.1.0.0.nupkg")
	if keys := g.objects(t, "spaces-1/nuget/raced.replicas/"); len(keys) != 1 {
		t.Errorf("files in the bucket for raced.replicas: %v, want one", keys)
	}
	_, reg := g.servers[1].status(t, http.MethodGet, "/v3/registration/raced.replicas/index.json", nil)
	if c := strings.Count(string(reg), `"version":"1.0.0"`); c != 1 {
		t.Errorf("registration lists 1.0.0 %d times: %s", c, reg)
	}

	octopus := race(n, func(i int, s *server, body []byte) int {
		mp, ct := protocoltest.Multipart(t, "fileToUpload", "Raced.Octopus.1.0.0.zip", body)
		code, _ := s.status(t, http.MethodPost, "/api/Spaces-1/packages/raw?overwriteMode=IgnoreIfExists", bytes.NewReader(mp), "X-Octopus-ApiKey", testAdminKey, "Content-Type", ct)
		return code
	}, func(i int) []byte { return protocoltest.NupkgPadded(t, "Raced.Octopus", "1.0.0", 1000+i) }) // any zip will do
	check("Octopus IgnoreIfExists", octopus, http.StatusOK, "/api/Spaces-1/packages/packages-Raced.Octopus.1.0.0/raw")
	if keys := g.objects(t, "spaces-1/raw/raced.octopus/"); len(keys) != 1 {
		t.Errorf("files in the bucket for Raced.Octopus: %v, want one", keys)
	}
}

// TestReplicasReadYourWrites: every change acknowledged by one replica is
// seen by the other's next read, though that replica had the answer
// cached: a push, an unlist, a relist and a delete, in each document a
// restore or a deployment reads; search finds a push at once.
func TestReplicasReadYourWrites(t *testing.T) {
	g := startGroup(t, 2)
	a, b := g.servers[0], g.servers[1]
	key := []string{"X-NuGet-ApiKey", testAdminKey}
	v1 := protocoltest.Nupkg(t, "Seen.Everywhere", "1.0.0")
	v2 := protocoltest.NupkgPadded(t, "Seen.Everywhere", "2.0.0", 100)
	if code := a.push(t, v1); code != 201 {
		t.Fatalf("push 1.0.0 = %d", code)
	}
	// Each read, and what its answer must hold (has) or not (hasNot)
	// after each step; reads happen through b only, twice per step (the
	// second from b's cache).
	type read struct{ name, path string }
	reads := []read{
		{"flat container", "/v3/package/seen.everywhere/index.json"},
		{"registration", "/v3/registration/seen.everywhere/index.json"},
		{"v2 FindPackagesById", "/api/v2/FindPackagesById()?id='Seen.Everywhere'"},
		{"Octopus list", "/api/Spaces-1/packages?filter=Seen.Everywhere&take=10"},
		{"Octopus get", "/api/Spaces-1/packages/packages-Seen.Everywhere.2.0.0"},
		{"search", "/v3/search?q=Seen.Everywhere"},
	}
	get := func(r read) (int, string) {
		code, body := b.status(t, http.MethodGet, r.path, nil, key...)
		return code, string(body)
	}
	for _, r := range reads { // fill b's caches
		get(r)
	}
	// v2 and search mark a listed version; the others hold it or not.
	steps := []struct {
		name   string
		change func() int
		want   map[string]string // read name -> expectation: "has 2.0.0", "lacks 2.0.0", "404"
	}{
		{"push 2.0.0", func() int { return a.push(t, v2) }, map[string]string{
			"flat container": "has", "registration": "has", "v2 FindPackagesById": "has", "Octopus list": "has", "Octopus get": "200", "search": "has"}},
		{"unlist 2.0.0", func() int {
			code, _ := a.status(t, http.MethodPut, "/api/admin/packages/Spaces-1/nuget/Seen.Everywhere/2.0.0/listed", strings.NewReader(`{"listed":false}`), append(key, "Content-Type", "application/json")...)
			return code
		}, map[string]string{"registration": "unlisted", "search": "lacks", "v2 FindPackagesById": "has", "flat container": "has"}},
		{"relist 2.0.0", func() int {
			code, _ := a.status(t, http.MethodPost, "/api/v2/package/Seen.Everywhere/2.0.0", nil, key...)
			return code
		}, map[string]string{"registration": "listed", "search": "has", "flat container": "has"}},
	}
	for _, s := range steps {
		if code := s.change(); code/100 != 2 {
			t.Fatalf("%s through a = %d", s.name, code)
		}
		for _, r := range reads {
			want, ok := s.want[r.name]
			if !ok {
				continue
			}
			for range 2 {
				code, body := get(r)
				var good bool
				switch want {
				case "has":
					good = code == 200 && strings.Contains(body, "2.0.0")
				case "lacks":
					good = code == 200 && !strings.Contains(body, "2.0.0")
				case "200":
					good = code == 200
				case "listed", "unlisted":
					good = code == 200 && regexp.MustCompile(`"version":"2.0.0"`).MatchString(body) &&
						strings.Contains(body, `"listed":false`) == (want == "unlisted")
				}
				if !good {
					t.Errorf("after %s through a, %s through b = %d, want %s 2.0.0: %.300s", s.name, r.name, code, want, body)
				}
			}
		}
	}
	// Downloads and deletes.
	if code, got := b.status(t, http.MethodGet, "/v3/package/seen.everywhere/2.0.0/seen.everywhere.2.0.0.nupkg", nil); code != 200 || !bytes.Equal(got, v2) {
		t.Errorf("download of 2.0.0 through b = %d, %d bytes", code, len(got))
	}
	if code, _ := a.status(t, http.MethodDelete, "/api/v2/package/Seen.Everywhere/2.0.0", nil, key...); code != 204 && code != 200 {
		t.Fatalf("delete 2.0.0 through a = %d", code)
	}
	for _, r := range []read{reads[0], reads[2], reads[3]} {
		if code, body := get(r); code != 200 || strings.Contains(body, "2.0.0") {
			t.Errorf("after the delete through a, %s through b = %d: %.300s", r.name, code, body)
		}
	}
	for _, path := range []string{"/v3/package/seen.everywhere/2.0.0/seen.everywhere.2.0.0.nupkg", "/api/Spaces-1/packages/packages-Seen.Everywhere.2.0.0"} {
		if code, _ := b.status(t, http.MethodGet, path, nil, key...); code != 404 {
			t.Errorf("after the delete through a, %s through b = %d, want 404", path, code)
		}
	}

	// Generic packages: a listing cached in b shows a file a uploads and
	// forgets one a deletes.
	gen := "/api/packages/ci/generic/tool"
	b.status(t, http.MethodGet, gen, nil, key...)
	if code, _ := a.status(t, http.MethodPut, gen+"/1.0.0/tool.bin", strings.NewReader("tool bytes"), key...); code != 201 {
		t.Fatalf("generic upload through a = %d", code)
	}
	if code, body := b.status(t, http.MethodGet, gen, nil, key...); code != 200 || !strings.Contains(string(body), "tool.bin") {
		t.Errorf("generic listing through b after a's upload = %d %s", code, body)
	}
	if code, body := b.status(t, http.MethodGet, gen+"/1.0.0/tool.bin", nil, key...); code != 200 || string(body) != "tool bytes" {
		t.Errorf("generic download through b = %d %q", code, body)
	}
	if code, _ := a.status(t, http.MethodDelete, gen+"/1.0.0", nil, key...); code != 204 {
		t.Fatalf("generic delete through a = %d", code)
	}
	if code, body := b.status(t, http.MethodGet, gen, nil, key...); !(code == 404 || code == 200 && !strings.Contains(string(body), "tool.bin")) {
		t.Errorf("generic listing through b after a's delete = %d %s", code, body)
	}
}

// TestLeaderTakesOver: the leader's connections die while it runs a
// re-index (as when its machine drops off the network): the re-index stays
// asked for, and the group runs it again to the end, once.
func TestLeaderTakesOver(t *testing.T) {
	g := startGroup(t, 2)
	const packages = 600
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < packages; i += 4 {
				if code := g.servers[i%2].push(t, protocoltest.Nupkg(t, fmt.Sprintf("Lead.Pkg%d", i), "1.0.0")); code != 201 {
					t.Errorf("push %d = %d", i, code)
				}
			}
		})
	}
	wg.Wait()
	leader := g.leader(t)
	var st struct {
		Running  bool
		Runs     int
		Error    string
		Progress struct{ Seen int }
	}
	state := func() string {
		_, body := g.servers[1].status(t, http.MethodGet, "/api/admin/reindex", nil, "X-NuGet-ApiKey", testAdminKey)
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatalf("%v: %s", err, body)
		}
		return string(body)
	}
	state()
	runsBefore := st.Runs // the start-up re-index
	if code, body := leader.status(t, http.MethodPost, "/api/admin/reindex", nil, "X-NuGet-ApiKey", testAdminKey); code != http.StatusAccepted {
		t.Fatalf("POST /api/admin/reindex on the leader = %d %s", code, body)
	}
	// As soon as the leader holds the work lock too, end the sessions that
	// hold the group's locks (cluster: lockLeader 10, lockWork 11).
	conn, err := pgx.Connect(context.Background(), g.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for killed, deadline := 0, time.Now().Add(30*time.Second); killed < 2; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the re-index never took the work lock")
		}
		err := conn.QueryRow(context.Background(), `WITH held AS (SELECT pid FROM pg_locks
				WHERE locktype = 'advisory' AND classid = $1 AND objid IN (10, 11) AND objsubid = 2 AND granted)
			SELECT count(pg_terminate_backend(pid)) FROM held WHERE (SELECT count(*) FROM held) = 2`, 0x66737276).Scan(&killed)
		if err != nil {
			t.Fatal(err)
		}
	}
	if body := state(); !st.Running || st.Runs != runsBefore {
		t.Fatalf("right after the leader's sessions ended the re-index is not pending: %s", body)
	}
	for deadline := time.Now().Add(60 * time.Second); st.Running; time.Sleep(100 * time.Millisecond) {
		if body := state(); time.Now().After(deadline) {
			t.Fatalf("the re-index was not finished 60s after its leader's sessions ended: %s", body)
		}
	}
	if st.Runs != runsBefore+1 || st.Progress.Seen != packages || st.Error != "" {
		t.Errorf("after the takeover: %d runs (%d before), %d of %d packages seen, error %q", st.Runs, runsBefore, st.Progress.Seen, packages, st.Error)
	}
	g.leader(t) // one leader again
}

// leader waits until exactly one replica reports itself the leader
// (feedserver_cluster_leader 1) and returns it.
func (g *group) leader(t *testing.T) *server {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var leaders []*server
		for _, s := range g.servers {
			if _, body := s.status(t, http.MethodGet, "/metrics", nil); regexp.MustCompile(`(?m)^feedserver_cluster_leader 1$`).Match(body) {
				leaders = append(leaders, s)
			}
		}
		if len(leaders) == 1 {
			return leaders[0]
		}
	}
	t.Fatal("no single leader within 30s")
	return nil
}
