package admin

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/feedserver/feedserver/feed"
)

// A re-index or retention run that cannot reach the blob store is a 503,
// not a 500: the server is fine, its store is not.
func TestStatusStoreUnavailable(t *testing.T) {
	err := fmt.Errorf("list: s3: %w: connection refused", feed.ErrStoreUnavailable)
	if got, _ := status(err); got != http.StatusServiceUnavailable {
		t.Errorf("status(%v) = %d, want 503", err, got)
	}
}
