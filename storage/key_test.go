package storage

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidKey(t *testing.T) {
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"simple", "a", true},
		{"nested", "packages/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg", true},
		{"all byte classes", "Az09._+-/x", true},
		{"semver build metadata", "pkg/1.0.0+build.5", true},
		{"case kept", "Octopus/Release-1", true},
		{"max segment", strings.Repeat("a", 255), true},
		{"max key", longKey(1024), true},
		{"empty", "", false},
		{"too long", strings.Repeat("a/", 512) + "b", false},
		{"segment too long", strings.Repeat("a", 256), false},
		{"leading slash", "/abs", false},
		{"trailing slash", "a/", false},
		{"double slash", "a//b", false},
		{"dot", ".", false},
		{"dotdot", "..", false},
		{"traversal", "../x", false},
		{"inner traversal", "a/../b", false},
		{"inner dot", "a/./b", false},
		{"hidden", ".hidden", false},
		{"temp name", "a/.tmp-x", false},
		{"backslash", `a\b`, false},
		{"NUL", "a\x00b", false},
		{"space", "a b", false},
		{"colon", "c:x", false},
		{"unicode", "caf\u00e9", false},
		{"invalid utf8", "a\xff", false},
		{"percent", "a%2fb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidKey(tt.key)
			if tt.ok {
				if err != nil {
					t.Fatalf("ValidKey(%q) = %v, want nil", tt.key, err)
				}
				return
			}
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidKey(%q) = %v, want ErrInvalidKey", tt.key, err)
			}
		})
	}
}

func TestValidKeyLengthBoundary(t *testing.T) {
	key := longKey(1024)
	if err := ValidKey(key); err != nil {
		t.Fatalf("ValidKey(1024 bytes) = %v, want nil", err)
	}
	if err := ValidKey(key + "z"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("ValidKey(1025 bytes) = %v, want ErrInvalidKey", err)
	}
}

// longKey returns a valid-looking key of n bytes (n > 1010): ten 100-byte
// segments and a final short one.
func longKey(n int) string {
	return strings.Repeat(strings.Repeat("a", 100)+"/", 10) + strings.Repeat("b", n-1010)
}

func TestValidPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"", true},
		{"a", true},
		{"a/b", true},
		{"a/b/", true},
		{"/", false},
		{"a//", false},
		{"../", false},
		{".tmp", false},
		{"/a", false},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			err := ValidPrefix(tt.prefix)
			if tt.ok != (err == nil) {
				t.Fatalf("ValidPrefix(%q) = %v, want ok=%v", tt.prefix, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidPrefix(%q) = %v, want ErrInvalidKey", tt.prefix, err)
			}
		})
	}
}

func TestHasPrefix(t *testing.T) {
	tests := []struct {
		key, prefix string
		want        bool
	}{
		{"a", "", true},
		{"a/b", "a/b", true},
		{"a/b/c", "a/b", true},
		{"a/bc", "a/b", false},
		{"a/b.c", "a/b", false},
		{"a/b", "a/b/", false},
		{"a/b/c", "a/b/", true},
		{"a", "a/b", false},
	}
	for _, tt := range tests {
		if got := HasPrefix(tt.key, tt.prefix); got != tt.want {
			t.Errorf("HasPrefix(%q, %q) = %v, want %v", tt.key, tt.prefix, got, tt.want)
		}
	}
}

func TestInvalidKeyMessageIsBounded(t *testing.T) {
	err := ValidKey(strings.Repeat("x", 1<<20))
	if got := len(err.Error()); got > 300 {
		t.Fatalf("error message is %d bytes, want at most 300", got)
	}
}

// FuzzValidKey checks that every accepted key is a safe relative path: joined
// under a root it stays inside, and it has no "." or ".." segment.
func FuzzValidKey(f *testing.F) {
	for _, seed := range []string{
		"a", "a/b", "packages/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg",
		"../x", "a/../b", "/abs", "a//b", `a\b`, ".hidden", "a/.tmp-x", "caf\u00e9",
		"a/b/", "C:/x", "a\x00", "...", "a/..", "x/./y",
	} {
		f.Add(seed)
	}
	root := filepath.Join(f.TempDir(), "root")
	f.Fuzz(func(t *testing.T, key string) {
		if ValidKey(key) != nil {
			if err := ValidKey(key); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("ValidKey(%q) = %v, want nil or ErrInvalidKey", key, err)
			}
			return
		}
		if err := ValidPrefix(key); err != nil {
			t.Fatalf("ValidPrefix(%q) = %v for a valid key", key, err)
		}
		if !filepath.IsLocal(key) {
			t.Fatalf("valid key %q is not a local path", key)
		}
		joined := filepath.Join(root, filepath.FromSlash(key))
		if !strings.HasPrefix(joined, root+string(filepath.Separator)) {
			t.Fatalf("valid key %q joins to %q, outside %q", key, joined, root)
		}
		rel, err := filepath.Rel(root, joined)
		if err != nil || filepath.ToSlash(rel) != key {
			t.Fatalf("valid key %q is not clean: Rel = %q, %v", key, rel, err)
		}
		for _, seg := range strings.Split(key, "/") {
			if seg == "." || seg == ".." || seg == "" {
				t.Fatalf("valid key %q has segment %q", key, seg)
			}
		}
	})
}
