package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGeneratedPackages(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.nupkg")
	if err := writeBigNupkg(big, "Bench.Big", "1.0.0", 1<<20); err != nil {
		t.Fatal(err)
	}
	bigBytes, err := os.ReadFile(big)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, id, version string
		pkg               []byte
		minSize           int
	}{
		{"small", "Bench.Seq.P7", "1.0.3", smallNupkg("Bench.Seq.P7", "1.0.3"), 0},
		{"big", "Bench.Big", "1.0.0", bigBytes, 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.pkg) < tc.minSize {
				t.Errorf("size: got %d, want >= %d", len(tc.pkg), tc.minSize)
			}
			zr, err := zip.NewReader(bytes.NewReader(tc.pkg), int64(len(tc.pkg)))
			if err != nil {
				t.Fatalf("not a zip: %v", err)
			}
			var nuspecs []string
			for _, f := range zr.File {
				if !strings.Contains(f.Name, "/") && strings.HasSuffix(f.Name, ".nuspec") {
					nuspecs = append(nuspecs, f.Name)
				}
			}
			if len(nuspecs) != 1 || nuspecs[0] != tc.id+".nuspec" {
				t.Fatalf("root nuspecs: got %v, want [%s.nuspec]", nuspecs, tc.id)
			}
			rc, err := zr.Open(nuspecs[0])
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(rc)
			for _, want := range []string{"<id>" + tc.id + "</id>", "<version>" + tc.version + "</version>"} {
				if !bytes.Contains(body, []byte(want)) {
					t.Errorf("nuspec: got %s, want it to contain %s", body, want)
				}
			}
		})
	}
}

func TestRun(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name      string
		l         load
		failAt    int64 // -1: never
		wantCount int64
		wantErr   error
	}{
		{"stops at max", load{Clients: 3, Duration: time.Minute, Max: 50}, -1, 50, nil},
		{"first error stops the run", load{Clients: 2, Duration: time.Minute, Max: 1000}, 10, 0, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := run(context.Background(), tc.l, func(_ context.Context, _ int, n int64) (int64, error) {
				if n == tc.failAt {
					return 0, boom
				}
				return 10, nil
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err: got %v, want %v", err, tc.wantErr)
			}
			if res.Count != tc.wantCount || res.Bytes != 10*tc.wantCount {
				t.Errorf("count, bytes: got %d, %d, want %d, %d", res.Count, res.Bytes, tc.wantCount, 10*tc.wantCount)
			}
		})
	}
}

func TestGoal(t *testing.T) {
	for _, tc := range []struct {
		g     goal
		value float64
		met   bool
		text  string
	}{
		{goal{Min: 1000, Unit: "req/s"}, 1000, true, ">= 1000 req/s"},
		{goal{Min: 1000, Unit: "req/s"}, 999, false, ">= 1000 req/s"},
		{goal{Max: 50, Unit: "MiB"}, 49.9, true, "< 50.0 MiB"},
		{goal{Max: 50, Unit: "MiB"}, 50, false, "< 50.0 MiB"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			if got := tc.g.met(tc.value); got != tc.met {
				t.Errorf("met(%v): got %v, want %v", tc.value, got, tc.met)
			}
			if got := tc.g.String(); got != tc.text {
				t.Errorf("String: got %q, want %q", got, tc.text)
			}
		})
	}
}
