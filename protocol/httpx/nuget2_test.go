package httpx

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/feedserver/feedserver/nuget/nugettest"
)

// NuGet 2.8.7's push body (a bare LF before the closing delimiter, nothing
// after it) gives Upload the file byte for byte; the same body from any
// other client stays the malformed body it is.
func TestUploadNuGet287Push(t *testing.T) {
	pkg := bytes.Repeat([]byte("PK\x03\x04 package bytes\r\n\n"), 5000)
	contentType, body := nugettest.NuGet287PushBody("ZYXWVUTSRQPONML", pkg)
	tests := []struct {
		userAgent string
		wantFile  bool
	}{
		{"NuGet Command Line/2.8.7.0 (Unix 6.1.0.0)", true},
		{"NuGet/2.8.7.0 (Unix 6.1.0.0)", true},
		{"NuGet Command Line/5.8.0 (Unix 6.1.0.0)", false},
		{"curl/7.88.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.userAgent, func(t *testing.T) {
			r := httptest.NewRequest("PUT", "/api/v2/package", bytes.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			r.Header.Set("User-Agent", tt.userAgent)
			file, name, err := Upload(httptest.NewRecorder(), r, 0)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			got, err := io.ReadAll(file)
			if !tt.wantFile {
				if err == nil {
					t.Fatalf("read the file of a malformed body without an error (%d bytes)", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("read the file: %v", err)
			}
			if name != "package" || !bytes.Equal(got, pkg) {
				t.Errorf("file %q of %d bytes, want \"package\" of %d bytes as pushed", name, len(got), len(pkg))
			}
		})
	}
}

func TestBareLFBeforeClose(t *testing.T) {
	const boundary = "b0und"
	tests := []struct{ name, in, want string }{
		{"bare LF before the close", "--b0und\r\nx\r\n\r\nabc\n--b0und--", "--b0und\r\nx\r\n\r\nabc\r\n--b0und--"},
		{"CRLF already", "--b0und\r\n\r\nabc\r\n--b0und--", "--b0und\r\n\r\nabc\r\n--b0und--"},
		{"CRLF after the close", "abc\n--b0und--\r\n", "abc\n--b0und--\r\n"},
		{"another boundary", "abc\n--other--", "abc\n--other--"},
		{"only the close", "\n--b0und--", "\r\n--b0und--"},
		{"shorter than the close", "ab", "ab"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, read := range []func(io.Reader) io.Reader{
				func(r io.Reader) io.Reader { return r },
				iotest.OneByteReader,
				iotest.HalfReader,
			} {
				got, err := io.ReadAll(read(newBareLFBeforeClose(strings.NewReader(tt.in), boundary)))
				if err != nil || string(got) != tt.want {
					t.Errorf("got %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
}

// The reader passes every byte as it came, whatever the chunking, except the
// one CR it may insert at the very end.
func FuzzBareLFBeforeClose(f *testing.F) {
	f.Add([]byte("abc\n--b--"), "b", uint8(3))
	f.Add([]byte("--b\r\n\r\nx\r\n--b--"), "b", uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, boundary string, chunk uint8) {
		src := io.Reader(bytes.NewReader(in))
		if chunk > 0 {
			src = &chunked{r: src, n: int(chunk)}
		}
		got, err := io.ReadAll(newBareLFBeforeClose(src, boundary))
		if err != nil {
			t.Fatal(err)
		}
		closing := "\n--" + boundary + "--"
		want := in
		if at := len(in) - len(closing); at >= 0 && string(in[at:]) == closing && (at == 0 || in[at-1] != '\r') {
			want = append(append(append([]byte{}, in[:at]...), '\r'), in[at:]...)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// chunked returns at most n bytes per Read.
type chunked struct {
	r io.Reader
	n int
}

func (c *chunked) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }
