package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/internal/testsvc"
	"github.com/feedserver/feedserver/storage/filesystem"
	"github.com/feedserver/feedserver/storage/s3"
)

// -storage picks the package store: the data folder's packages/ by default,
// any other folder, or an S3 bucket whose credentials come from the AWS
// variables, with a /readyz check; a bucket that does not exist stops the
// start with its name.
func TestOpenStore(t *testing.T) {
	ctx := t.Context()
	log := slog.New(slog.DiscardHandler)
	data := t.TempDir()

	s, checks, err := openStore(ctx, config{Data: data}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if fs, ok := s.(*filesystem.Store); !ok || fs.Root() != filepath.Join(data, "packages") || len(checks) != 0 {
		t.Errorf("default store = %T %v with %d checks, want the data folder's packages/", s, s, len(checks))
	}
	s.Close()
	other := t.TempDir()
	s, _, err = openStore(ctx, config{Data: data, Storage: other}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if fs, ok := s.(*filesystem.Store); !ok || fs.Root() != other {
		t.Errorf("-storage %s = %T, want that folder", other, s)
	}
	s.Close()

	gw := testsvc.NewVersitygw()
	defer gw.Close()
	b := gw.NewBucket(t)
	// The endpoint from the standard variable, nothing else but the credentials.
	getenv := func(k string) string {
		if k == "AWS_ENDPOINT_URL" {
			return b.Endpoint
		}
		return b.Getenv(k)
	}
	cfg := config{Data: data, Storage: "s3://" + b.Name + "/feed", getenv: getenv}
	s, checks, err = openStore(ctx, cfg, nil, log)
	if err != nil {
		t.Fatalf("open the S3 store: %v", err)
	}
	defer s.Close()
	if _, ok := s.(*s3.Store); !ok || len(checks) != 1 {
		t.Fatalf("-storage s3://... = %T with %d checks, want the S3 store and its check", s, len(checks))
	}
	if err := checks[0].Check(ctx); err != nil {
		t.Errorf("the store's check: %v", err)
	}
	if _, err := s.Put(ctx, "a/key", strings.NewReader("bytes")); err != nil {
		t.Errorf("Put: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(data, "scratch")); err != nil || !fi.IsDir() {
		t.Errorf("the scratch folder is not in the data folder: %v", err)
	}

	cfg.Storage = "s3://no-such-bucket/feed"
	if _, _, err := openStore(ctx, cfg, nil, log); err == nil || !strings.Contains(err.Error(), `"no-such-bucket" does not exist`) {
		t.Errorf("a missing bucket: %v, want an error naming it", err)
	}
}
