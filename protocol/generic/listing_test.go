package generic_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/protocol/generic"
)

// TestListingURLsAnswer: every URL a listing advertises answers 200, for
// versions and files with characters a URL must escape (issue 17 row 9: a
// listing once advertised ".../n/./f", which answers 400).
func TestListingURLsAnswer(t *testing.T) {
	e := newEnv(t)
	versions := []string{"2.0 rc", "a#b", "a?b", "50%", ".hidden", "\u00fcber", "1+build", "x;y"}
	for _, v := range versions {
		p := base + "/odd/" + url.PathEscape(v) + "/f.bin"
		if resp, data := e.send(t, request{PUT, p, []byte(v), bearer(e.AdminKey)}); resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT %s: %d %s", p, resp.StatusCode, data)
		}
	}
	resp, data := e.send(t, request{GET, base + "/odd", nil, nil})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("listing: %d %s", resp.StatusCode, data)
	}
	var doc generic.Listing
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, v := range doc.Versions {
		for _, f := range v.Files {
			seen++
			got, body := e.send(t, request{GET, strings.TrimPrefix(f.URL, e.URL), nil, nil})
			if got.StatusCode != http.StatusOK || string(body) != v.Version {
				t.Errorf("listed %s (version %q): %d %q", f.URL, v.Version, got.StatusCode, body)
			}
		}
	}
	if seen != len(versions) {
		t.Errorf("the listing shows %d files, want %d", seen, len(versions))
	}
}
