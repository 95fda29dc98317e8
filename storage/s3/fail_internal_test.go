package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/feedserver/feedserver/storage"
)

// What each of S3's answers, and each way of getting none, means to the
// rest of the server.
func TestFail(t *testing.T) {
	s := &Store{name: "s3://b at http://store"}
	answer := func(status int, code string) error {
		return fmt.Errorf("wrapped: %w", minio.ErrorResponse{StatusCode: status, Code: code})
	}
	refused := &url.Error{Op: "Get", URL: "http://store/b/k", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name string
		err  error
		want error // nil: a plain error, the server's fault
	}{
		{"no such key", answer(404, "NoSuchKey"), storage.ErrNotFound},
		{"HEAD 404", answer(404, ""), storage.ErrNotFound},
		{"no such bucket", answer(404, "NoSuchBucket"), storage.ErrUnavailable},
		{"If-None-Match", answer(412, "PreconditionFailed"), storage.ErrExists},
		{"parent is a file (versitygw)", answer(409, "ObjectParentIsFile"), storage.ErrConflict},
		{"object is a directory (versitygw)", answer(409, "ExistingObjectIsDirectory"), storage.ErrConflict},
		{"parent is an object (MinIO)", answer(409, "XMinioParentIsObject"), storage.ErrConflict},
		{"quota", answer(403, "QuotaExceeded"), storage.ErrNoSpace},
		{"disk full", answer(507, "InsufficientStorage"), storage.ErrNoSpace},
		{"too large", answer(400, "EntityTooLarge"), storage.ErrNoSpace},
		{"server error", answer(500, "InternalError"), storage.ErrUnavailable},
		{"unavailable", answer(503, "ServiceUnavailable"), storage.ErrUnavailable},
		{"slow down", answer(503, "SlowDown"), storage.ErrUnavailable},
		{"wrong secret", answer(403, "SignatureDoesNotMatch"), storage.ErrUnavailable},
		{"access denied", answer(403, "AccessDenied"), storage.ErrUnavailable},
		{"connection refused", refused, storage.ErrUnavailable},
		{"cut short", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), storage.ErrUnavailable},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), storage.ErrUnavailable},
		{"canceled", fmt.Errorf("get: %w", context.Canceled), context.Canceled},
		{"bad request", answer(400, "InvalidArgument"), nil},
	}
	sentinels := []error{storage.ErrNotFound, storage.ErrExists, storage.ErrConflict, storage.ErrNoSpace, storage.ErrUnavailable, context.Canceled}
	for _, tt := range tests {
		got := s.fail("op", "k", tt.err)
		for _, sentinel := range sentinels {
			if is := errors.Is(got, sentinel); is != (sentinel == tt.want) {
				t.Errorf("%s: fail(%v) = %v; is %v: %v", tt.name, tt.err, got, sentinel, is)
			}
		}
	}
}

func TestOperation(t *testing.T) {
	tests := []struct{ method, url, want string }{
		{"HEAD", "http://s/b/k", "head"},
		{"GET", "http://s/b/k", "get"},
		{"GET", "http://s/b/?list-type=2&prefix=a", "list"},
		{"GET", "http://s/b/?uploads", "list_uploads"},
		{"PUT", "http://s/b/k", "put"},
		{"PUT", "http://s/b/k?partNumber=2&uploadId=x", "upload_part"},
		{"POST", "http://s/b/k?uploads", "create_upload"},
		{"POST", "http://s/b/k?uploadId=x", "complete_upload"},
		{"DELETE", "http://s/b/k?uploadId=x", "abort_upload"},
		{"DELETE", "http://s/b/k", "delete"},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.url)
		if got := operation(&http.Request{Method: tt.method, URL: u}); got != tt.want {
			t.Errorf("operation(%s %s) = %q, want %q", tt.method, tt.url, got, tt.want)
		}
	}
}

// The folder cache: a commit makes its parents known folders, and the key
// itself, now a blob, no folder.
func TestFolders(t *testing.T) {
	var f folders
	f.committed("a/b/c")
	for p, want := range map[string]bool{"a": true, "a/b": true, "a/b/c": false, "b": false} {
		if got := f.known(p); got != want {
			t.Errorf("after committing a/b/c: known(%q) = %v, want %v", p, got, want)
		}
	}
	f.committed("a/b") // it was deleted below, and is now a blob
	if f.known("a/b") {
		t.Errorf("a/b is still a known folder after it was committed as a blob")
	}
	f.seen["a"] = time.Now().Add(-folderTTL - time.Second)
	if f.known("a") {
		t.Errorf("a folder seen longer ago than folderTTL is still known")
	}
}
