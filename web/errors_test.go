package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
)

// A database that cannot be reached answers 503 on pages and the JSON
// endpoints alike, without the database's address.
func TestStatusUnavailable(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("versions: %w: dial tcp 10.0.0.5:5432: connection refused", feed.ErrUnavailable),
		fmt.Errorf("auth: looking up key: %w: dial tcp 10.0.0.5:5432: connection refused", auth.ErrUnavailable),
	} {
		for name, table := range map[string]func(error) (int, string){"pageStatus": pageStatus, "apiStatus": apiStatus} {
			if got, msg := table(err); got != http.StatusServiceUnavailable || strings.Contains(msg, "5432") {
				t.Errorf("%s(%v) = %d %q, want 503 without the address", name, err, got, msg)
			}
		}
	}
}
