package web

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/feedserver/feedserver/feed"
)

// A page or an administration request that cannot reach the blob store is a
// 503, not a 500.
func TestStatusStoreUnavailable(t *testing.T) {
	err := fmt.Errorf("open x: s3: %w: connection refused", feed.ErrStoreUnavailable)
	if got, _ := pageStatus(err); got != http.StatusServiceUnavailable {
		t.Errorf("pageStatus(%v) = %d, want 503", err, got)
	}
	if got, _ := apiStatus(err); got != http.StatusServiceUnavailable {
		t.Errorf("apiStatus(%v) = %d, want 503", err, got)
	}
}
