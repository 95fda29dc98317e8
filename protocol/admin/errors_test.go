package admin

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
)

// A database that cannot be reached answers 503 with a fixed text (no
// address of the database reaches the client).
func TestStatusUnavailable(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("retention: %w: dial tcp 10.0.0.5:5432: connection refused", feed.ErrUnavailable),
		fmt.Errorf("auth: looking up key: %w: dial tcp 10.0.0.5:5432: connection refused", auth.ErrUnavailable),
	} {
		if got, msg := status(err); got != http.StatusServiceUnavailable || msg != "The feed's database is unavailable; try again shortly." {
			t.Errorf("status(%v) = %d %q, want 503 and the fixed text", err, got, msg)
		}
	}
}
