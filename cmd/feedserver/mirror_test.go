package main

import (
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedserver/feedserver/feed"
)

func TestMirrorConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "upstreams.json")
	if err := os.WriteFile(good, []byte(`{"spaces": {"spaces-02": {"url": "http://127.0.0.1:9/v3/index.json", "apiKey": "k2", "timeout": "3s", "allow": ["Lib"]}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache.json")
	if err := os.WriteFile(cache, []byte(`{"spaces": {"Spaces-2": {"url": "http://127.0.0.1:9/v3/index.json", "cacheMaxAge": "7d"},
		"Spaces-3": {"url": "http://127.0.0.1:9/v3/index.json", "cacheMaxSize": "0"}, "Spaces-4": {"url": "http://127.0.0.1:9/v3/index.json"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	badCache := filepath.Join(dir, "badcache.json")
	if err := os.WriteFile(badCache, []byte(`{"spaces": {"Spaces-2": {"url": "http://127.0.0.1:9/v3/index.json", "cacheMaxSize": "lots"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	typo := filepath.Join(dir, "typo.json")
	if err := os.WriteFile(typo, []byte(`{"spaces": {"Spaces-2": {"url": "http://x/v3/index.json", "apiKeys": "k"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		err  string // "" for success
		want func(t *testing.T, c config)
	}{
		{name: "none", want: func(t *testing.T, c config) {
			if len(c.Mirrors) != 0 {
				t.Errorf("mirrors = %v, want none", c.Mirrors)
			}
		}},
		{name: "default space by environment", env: map[string]string{
			"FEEDSERVER_UPSTREAM": "https://api.nuget.org/v3/index.json", "FEEDSERVER_UPSTREAM_USERNAME": "me",
			"FEEDSERVER_UPSTREAM_PASSWORD": "pw", "FEEDSERVER_UPSTREAM_API_KEY": "key",
			"FEEDSERVER_UPSTREAM_TIMEOUT": "2s", "FEEDSERVER_UPSTREAM_METADATA_TTL": "1m", "FEEDSERVER_UPSTREAM_ALLOW": "A, B",
		}, want: func(t *testing.T, c config) {
			m := c.Mirrors["Spaces-1"]
			if m.ServiceIndex != "https://api.nuget.org/v3/index.json" || m.Username != "me" || m.Password != "pw" ||
				m.APIKey != "key" || m.Timeout != 2*time.Second || m.MetadataTTL != time.Minute || strings.Join(m.Allow, "|") != "A|B" {
				t.Errorf("mirror = %+v", m)
			}
		}},
		{name: "file", env: map[string]string{"FEEDSERVER_UPSTREAM_FILE": good}, want: func(t *testing.T, c config) {
			m, ok := c.Mirrors["Spaces-2"]
			if !ok || m.APIKey != "k2" || m.Timeout != 3*time.Second || len(m.Allow) != 1 {
				t.Errorf("mirrors = %+v", c.Mirrors)
			}
		}},
		{name: "cache limits per space", env: map[string]string{"FEEDSERVER_UPSTREAM_FILE": cache, "FEEDSERVER_CACHE_MAX_SIZE": "1MiB"}, want: func(t *testing.T, c config) {
			// Spaces-2 replaces the flags' rule, Spaces-3 switches it off,
			// Spaces-4 takes the flags'.
			want := map[string]feed.CacheRule{"Spaces-2": {MaxAge: 7 * 24 * time.Hour}, "Spaces-3": {}}
			if !maps.Equal(c.Retention.CacheSpaces, want) || c.Retention.Cache != (feed.CacheRule{MaxSize: 1 << 20}) {
				t.Errorf("cache rules = %+v and %+v, want %+v and 1 MiB", c.Retention.CacheSpaces, c.Retention.Cache, want)
			}
		}},
		{name: "bad cache size in the file", env: map[string]string{"FEEDSERVER_UPSTREAM_FILE": badCache}, err: "cache-max-size"},
		{name: "file typo", env: map[string]string{"FEEDSERVER_UPSTREAM_FILE": typo}, err: "apiKeys"},
		{name: "not a URL", env: map[string]string{"FEEDSERVER_UPSTREAM": "api.nuget.org"}, err: "not an absolute"},
		{name: "credentials in the URL", env: map[string]string{"FEEDSERVER_UPSTREAM": "https://u:secret@x/v3/index.json"}, err: "not in its URL"},
		{name: "key without URL", env: map[string]string{"FEEDSERVER_UPSTREAM_API_KEY": "k"}, err: "upstream is not"},
		{name: "bad timeout", env: map[string]string{"FEEDSERVER_UPSTREAM": "http://x/v3/index.json", "FEEDSERVER_UPSTREAM_TIMEOUT": "0"}, err: "upstream-timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := loadConfig("feedserver", nil, envOf(tc.env), io.Discard)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("the error shows a credential: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want(t, c)
		})
	}
}
