package publish

import (
	"testing"
)

func TestReplaceRequested(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"", false},
		{"replace=true", true},
		{"replace=true/", true}, // NuGet.exe appends "/" to the source URL
		{"replace=TRUE//", true},
		{"Replace=True", true},
		{"replace=false", false},
		{"replace=false/", false},
		{"replace=", false},
		{"replace=truely", false},
		{"x=%zz&replace=true/", true},
		{"apikey=API-X&replace=true/", true},
	}
	for _, tt := range tests {
		if got := replaceRequested(tt.query); got != tt.want {
			t.Errorf("replaceRequested(%q) = %v, want %v", tt.query, got, tt.want)
		}
	}
}
