package protocol_test

import (
	"net/url"
	"runtime"
	"testing"
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }
