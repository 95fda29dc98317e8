package feed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"testing"

	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/nuget/nugettest"
)

// BenchmarkPush256MiB pushes one 256 MiB package through the feed alone (no
// HTTP): spool with its hashes (SHA-512 and SHA-1), read the nuspec, fsync and rename.
func BenchmarkPush256MiB(b *testing.B) {
	payload := make([]byte, 256<<20)
	rand.Read(payload)
	body := nugettest.Build(&testing.T{}, nugettest.Spec{ID: "Big", Version: "1.0.0", Payload: payload})
	e, err := openEnv(b.TempDir(), feed.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		_, err := e.feed.Push(context.Background(), feed.PushRequest{Body: bytes.NewReader(body), Overwrite: feed.OverwriteExisting, CanReplace: true})
		if err != nil {
			b.Fatal(err)
		}
	}
}
