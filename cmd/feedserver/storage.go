package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/storage"
	"github.com/feedserver/feedserver/storage/filesystem"
	"github.com/feedserver/feedserver/storage/s3"
)

// blobStore is the package store the server runs on, closed at the end.
type blobStore interface {
	storage.Store
	io.Closer
}

// openStore opens the package store cfg names: the data folder's packages/
// (the default), another folder, or an S3 bucket. An S3 store keeps the
// stages too large for memory in the data folder's scratch/ (each replica
// has its own data folder; nothing in it is shared). The checks are what
// /readyz asks about the store.
func openStore(ctx context.Context, cfg config, reg prometheus.Registerer, log *slog.Logger) (blobStore, []protocol.ReadyCheck, error) {
	if !strings.HasPrefix(cfg.Storage, "s3:") {
		dir := cfg.Storage
		if dir == "" {
			dir = filepath.Join(cfg.Data, "packages")
		}
		s, err := filesystem.New(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("open package directory: %w", err)
		}
		return s, nil, nil
	}
	getenv := cfg.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	c, err := s3.ParseURL(cfg.Storage, getenv)
	if err != nil {
		return nil, nil, fmt.Errorf("open package store: %w", err)
	}
	c.ScratchDir = filepath.Join(cfg.Data, "scratch")
	s, err := s3.Open(ctx, c, reg)
	if err != nil {
		return nil, nil, fmt.Errorf("open package store (credentials: %s): %w", c.Credentials.From, err)
	}
	log.Info("package store", "store", s.String(), "credentials", c.Credentials.From)
	return s, []protocol.ReadyCheck{{Name: "package store", Check: s.Check}}, nil
}
