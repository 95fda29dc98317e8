package feed_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// crashPackage is the i-th package the crash child pushes; the parent rebuilds
// it to compare bytes. Sizes vary so kills land mid-write.
func crashPackage(t testing.TB, i int) []byte {
	payload := bytes.Repeat([]byte(fmt.Sprintf("%08d", i)), (i%7+1)*16<<10)
	return nugettest.Build(t, nugettest.Spec{ID: fmt.Sprintf("Crash.Pkg%d", i), Version: "1.0.0", Payload: payload})
}

// TestMain turns the test binary into the crash test's child when asked.
func TestMain(m *testing.M) {
	if dir := os.Getenv("FEED_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(testsvc.Run(m, pg))
}

// pg is this test binary's PostgreSQL cluster, for the replicas' tests
// (replicas_test.go); started on first use.
var pg = testsvc.NewPostgres()

// crashChild pushes packages until it is killed, appending the number of each
// acknowledged push to a file, as a client would note a 201.
func crashChild(dir string) {
	t := &testing.T{} // nugettest only calls Fatalf on impossible zip errors
	e := openForCrash(dir)
	ack, err := os.OpenFile(filepath.Join(dir, "acknowledged"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		panic(err)
	}
	for i := 0; ; i++ {
		if _, err := e.feed.Push(context.Background(), feed.PushRequest{Body: bytes.NewReader(crashPackage(t, i))}); err != nil {
			panic(fmt.Sprintf("push %d: %v", i, err))
		}
		fmt.Fprintf(ack, "%d\n", i)
		ack.Sync()
	}
}

func TestSIGKILLDuringPushes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dir := t.TempDir()
	for round := range 3 {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "FEED_CRASH_DIR="+dir)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it at a different moment each round, once some pushes are acknowledged.
		deadline := time.Now().Add(20 * time.Second)
		for len(acknowledged(t, dir)) < 10*(round+1) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(time.Duration(round*37) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
	}
	acked := acknowledged(t, dir)
	if len(acked) < 10 {
		t.Fatalf("only %d pushes acknowledged before the kills", len(acked))
	}

	e := newEnv(t, dir, feed.Options{})
	if _, err := e.store.SweepTemp(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	stats, err := e.feed.Reindex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Failed != 0 {
		t.Errorf("re-index found %d unreadable files: a partial file was visible", stats.Failed)
	}
	// Every acknowledged package is there, byte for byte.
	for _, i := range acked {
		blob, _, err := e.feed.Open(context.Background(), feed.DefaultSpace, index.KindNuGet, fmt.Sprintf("crash.pkg%d", i), "1.0.0")
		if err != nil {
			t.Errorf("acknowledged package %d lost: %v", i, err)
			continue
		}
		got, _ := io.ReadAll(blob)
		blob.Close()
		if !bytes.Equal(got, crashPackage(t, i)) {
			t.Errorf("acknowledged package %d differs from what was pushed", i)
		}
	}
	// Every file on disk is catalogued, and nothing temporary is left.
	_, versions, _ := e.catalog.Counts(context.Background())
	if n := len(keys(t, e.store)); int64(n) != versions {
		t.Errorf("%d files on disk, %d catalogued", n, versions)
	}
	leftovers, _ := os.ReadDir(filepath.Join(e.store.Root(), ".tmp")) // the filesystem driver's spool
	if len(leftovers) != 0 {
		t.Errorf("temporary files left after the sweep: %d", len(leftovers))
	}
}

func acknowledged(t *testing.T, dir string) []int {
	f, err := os.Open(filepath.Join(dir, "acknowledged"))
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var i int
		// A line cut by the kill has no newline yet and was never acknowledged.
		if _, err := fmt.Sscanf(strings.TrimSpace(sc.Text()), "%d", &i); err == nil {
			out = append(out, i)
		}
	}
	return out
}
