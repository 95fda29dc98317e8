package httpx

import (
	"regexp"
	"strings"
	"testing"
)

func TestRedactKeys(t *testing.T) {
	key := "API-" + strings.Repeat("K1", 16)
	tests := []struct{ in, want string }{
		{"", ""},
		{"/v3/index.json", "/v3/index.json"},
		{"/api/packages/raw", "/api/packages/raw"},
		{"/api/Spaces-1/packages/" + key, "/api/Spaces-1/packages/API-REDACTED"},
		{"/nuget/" + key + "/1.0.0", "/nuget/API-REDACTED/1.0.0"},
		{"/x/" + strings.ToLower(key) + "/y", "/x/API-REDACTED/y"},
		{"/x/API%2D" + key[4:], "/x/API-REDACTED"},
		{"/x/API%2d" + key[4:], "/x/API-REDACTED"},
		{"q=" + key + "&r=" + key, "q=API-REDACTED&r=API-REDACTED"},
		{"packages-" + key + ".1.0.0", "packages-API-REDACTED.1.0.0"},
		{key + key, "API-REDACTED"},
		{key + "/" + key, "API-REDACTED/API-REDACTED"},
		{"curl/8.0 " + key, "curl/8.0 API-REDACTED"},
		// A short run is a word, not a key: package ids keep their names.
		{"/packages/Contoso.Api-Client2024", "/packages/Contoso.Api-Client2024"},
		{"API-GUEST", "API-GUEST"},
		{"API-", "API-"},
		{"api", "api"},
	}
	for _, tt := range tests {
		if got := redactKeys(tt.in); got != tt.want {
			t.Errorf("redactKeys(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// keyShaped is what redactKeys must leave nowhere, written independently.
var (
	keyShaped = regexp.MustCompile(`(?i)api(-|%2d)[a-z0-9]{20}`)
	keyPrefix = regexp.MustCompile(`(?i)api(-|%2d)`)
)

func FuzzRedactKeys(f *testing.F) {
	f.Add("/api/packages/API-" + strings.Repeat("A", 32))
	f.Add("API%2D" + strings.Repeat("9", 26) + "/x")
	f.Add("apiapi-" + strings.Repeat("z", 30))
	f.Add("API-API-" + strings.Repeat("Q", 25))
	f.Add("API-" + strings.Repeat("K1", 16) + "API-" + strings.Repeat("Z2", 16))
	f.Fuzz(func(t *testing.T, s string) {
		got := redactKeys(s)
		if m := keyShaped.FindString(got); m != "" && !strings.HasPrefix(m, redactedKey) {
			t.Fatalf("redactKeys(%q) = %q still holds %q", s, got, m)
		}
		// No key's characters survive, even glued to another key.
		for _, loc := range keyShaped.FindAllStringIndex(s, -1) {
			tail := s[loc[1]-20 : loc[1]]
			if strings.Count(s, tail) == 1 && strings.Contains(got, tail) {
				t.Fatalf("redactKeys(%q) = %q still holds %q", s, got, tail)
			}
		}
		if !keyPrefix.MatchString(s) && got != s {
			t.Fatalf("redactKeys(%q) = %q changed a line with no key in it", s, got)
		}
		if len(got) > len(s) {
			t.Fatalf("redactKeys(%q) = %q grew the line", s, got)
		}
	})
}

// BenchmarkRedactKeys: what the access log pays per value, for a typical
// restore path (no key: no allocation) and for a path with a key in it.
func BenchmarkRedactKeys(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"path", "/v3/package/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg"},
		{"api-path", "/api/Spaces-1/packages/packages-MyApp.Web.1.0.0/raw"},
		{"key", "/api/packages/API-" + strings.Repeat("K", 32)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = redactKeys(bc.in)
			}
		})
	}
}
