package auth

import (
	"regexp"
	"strings"
	"testing"
)

// goOctopusKey is the check go-octopusdeploy applies to every key it sends.
var goOctopusKey = regexp.MustCompile(`^(API-)([A-Z\d])+$`)

func TestGenerateKey(t *testing.T) {
	seen := make(map[string]bool)
	chars := make(map[rune]bool)
	for range 1000 {
		key, err := GenerateKey()
		if err != nil {
			t.Fatalf("GenerateKey() error = %v", err)
		}
		if got, want := len(key), len("API-")+32; got != want {
			t.Fatalf("len(%q) = %d, want %d", key, got, want)
		}
		if !goOctopusKey.MatchString(key) {
			t.Fatalf("%q does not match go-octopusdeploy's %s", key, goOctopusKey)
		}
		if !ValidKeyFormat(key) {
			t.Fatalf("ValidKeyFormat(%q) = false, want true", key)
		}
		if seen[key] {
			t.Fatalf("GenerateKey() repeated %q", key)
		}
		seen[key] = true
		for _, c := range strings.TrimPrefix(key, "API-") {
			chars[c] = true
		}
	}
	// 32 000 draws from 36 symbols: a missing symbol means a broken alphabet.
	if got, want := len(chars), len(upperAlnum); got != want {
		t.Errorf("GenerateKey used %d distinct characters, want %d", got, want)
	}
}

func TestValidKeyFormat(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"generated length", "API-" + strings.Repeat("A1", 16), true},
		{"26 characters, as Octopus issues", "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ", true},
		{"25 characters", "API-ABCDEFGHIJKLMNOPQRSTUVWXY", false},
		{"longest accepted", "API-" + strings.Repeat("Z", 124), true},
		{"too long", "API-" + strings.Repeat("Z", 125), false},
		{"empty", "", false},
		{"prefix only", "API-", false},
		{"guest", GuestKey, false},
		{"lower-case prefix", "api-ABCDEFGHIJKLMNOPQRSTUVWXYZ", false},
		{"lower-case body", "API-abcdefghijklmnopqrstuvwxyz", false},
		{"no prefix", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123", false},
		{"dash in body", "API-ABCDEFGHIJKLM-NOPQRSTUVWXYZ", false},
		{"trailing newline", "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ\n", false},
		{"leading space", " API-ABCDEFGHIJKLMNOPQRSTUVWXYZ", false},
		{"non-ASCII digit", "API-ABCDEFGHIJKLMNOPQRSTUVWXY٣", false},
		{"bearer token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidKeyFormat(tt.in); got != tt.want {
				t.Errorf("ValidKeyFormat(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzValidKeyFormat checks the hand-written scanner against the grammar it
// implements; its input is whatever a client puts in X-Octopus-ApiKey.
func FuzzValidKeyFormat(f *testing.F) {
	for _, seed := range []string{
		"API-ABCDEFGHIJKLMNOPQRSTUVWXYZ", // scanner format, as Octopus issues
		"API-GUEST",
		"API-0123456789ABCDEFGHIJKLMNOPQRSTUV",
		"api-abcdefghijklmnopqrstuvwxyz",
		"oy2abcdefghijklmnopqrstuvwxyz0123456789abcde", // a nuget.org key
		"",
	} {
		f.Add(seed)
	}
	grammar := regexp.MustCompile(`^API-[A-Z0-9]{26,124}$`)
	f.Fuzz(func(t *testing.T, s string) {
		got, want := ValidKeyFormat(s), grammar.MatchString(s)
		if got != want {
			t.Fatalf("ValidKeyFormat(%q) = %v, want %v", s, got, want)
		}
		if got && !goOctopusKey.MatchString(s) {
			t.Fatalf("ValidKeyFormat(%q) = true but go-octopusdeploy would refuse it", s)
		}
	})
}
