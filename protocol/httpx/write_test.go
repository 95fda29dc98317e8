package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHeaderText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"two\r\nlines", "two  lines"},
		{"ünïcode", "?n?code"},
		{"nul\x00byte", "nulbyte"},
		{" trimmed\t", "trimmed"},
		{strings.Repeat("x", 600), strings.Repeat("x", 500) + "..."},
	}
	for _, tt := range tests {
		if got := HeaderText(tt.in); got != tt.want {
			t.Errorf("HeaderText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteJSON(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		w := httptest.NewRecorder()
		err := WriteJSON(w, httptest.NewRequest(method, "/", nil), http.StatusCreated, map[string]string{"Link": "/a?b=1&c=<2>"})
		if err != nil {
			t.Fatal(err)
		}
		want := "{\n  \"Link\": \"/a?b=1&c=<2>\"\n}\n"
		if method == http.MethodHead {
			want = ""
		}
		if w.Code != http.StatusCreated || w.Body.String() != want ||
			w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %q %v, want 201 %q", method, w.Code, w.Body, w.Header(), want)
		}
	}
	w := httptest.NewRecorder()
	if err := WriteJSON(w, httptest.NewRequest(http.MethodGet, "/", nil), http.StatusOK, func() {}); err == nil || w.Body.Len() != 0 || len(w.Header()) != 0 {
		t.Errorf("a value JSON cannot encode: err %v, wrote %q %v", err, w.Body, w.Header())
	}
}
