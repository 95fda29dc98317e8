package httpx

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestCredential(t *testing.T) {
	const key = "API-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123"
	tests := []struct {
		name   string
		target string
		header []string
		basic  []string // user, password
		want   string
	}{
		{name: "none", target: "/", want: ""},
		{name: "X-NuGet-ApiKey", target: "/", header: []string{"X-NuGet-ApiKey", key}, want: key},
		{name: "X-Octopus-ApiKey", target: "/", header: []string{"X-Octopus-ApiKey", key}, want: key},
		{name: "query apikey", target: "/?apikey=" + key, want: key},
		{name: "query ApiKey any case", target: "/?replace=true&ApiKey=" + key, want: key},
		{name: "basic password", target: "/", basic: []string{"someone", key}, want: key},
		{name: "basic user with empty password", target: "/", basic: []string{key, ""}, want: key},
		{name: "bearer", target: "/", header: []string{"Authorization", "Bearer " + key}, want: key},
		{name: "token", target: "/", header: []string{"Authorization", "token " + key}, want: key},
		{name: "unknown scheme", target: "/", header: []string{"Authorization", "Digest abc"}, want: ""},
		{name: "NuGet header wins", target: "/?apikey=other", header: []string{"X-NuGet-ApiKey", key}, want: key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			for i := 0; i+1 < len(tt.header); i += 2 {
				r.Header.Set(tt.header[i], tt.header[i+1])
			}
			if tt.basic != nil {
				r.SetBasicAuth(tt.basic[0], tt.basic[1])
			}
			if got := credential(r); got != tt.want {
				t.Errorf("credential = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRedactQuery(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"replace=true/", "replace=true/"},
		{"apikey=API-SECRET", "apikey=REDACTED"},
		{"replace=true&ApiKey=API-SECRET&x=1", "replace=true&apikey=REDACTED&x=1"},
		{"%61pikey=API-SECRET", "apikey=REDACTED"},
		{"apikeyAPI-SECRET", "REDACTED"},
	}
	for _, tt := range tests {
		if got := redactQuery(tt.in); got != tt.want || strings.Contains(got, "SECRET") {
			t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		name       string
		configured string
		host       string
		header     []string
		want       string
	}{
		{name: "host", host: "feed:5000", want: "http://feed:5000"},
		{name: "forwarded", host: "10.0.0.1:5000", header: []string{"X-Forwarded-Proto", "https", "X-Forwarded-Host", "feed.example"}, want: "https://feed.example"},
		{name: "first forwarded value", host: "x", header: []string{"X-Forwarded-Proto", "https, http", "X-Forwarded-Host", "a.example, b.example"}, want: "https://a.example"},
		{name: "odd proto ignored", host: "x", header: []string{"X-Forwarded-Proto", "javascript"}, want: "http://x"},
		{name: "hostile host ignored", host: "x", header: []string{"X-Forwarded-Host", "evil.example/path?"}, want: "http://x"},
		{name: "configured wins", configured: "https://feeds.example/nuget/", host: "x", header: []string{"X-Forwarded-Host", "y"}, want: "https://feeds.example/nuget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var public *url.URL
			if tt.configured != "" {
				public, _ = url.Parse(tt.configured)
			}
			var got string
			h := Begin(public)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = PublicURL(r) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Host = tt.host
			for i := 0; i+1 < len(tt.header); i += 2 {
				r.Header.Set(tt.header[i], tt.header[i+1])
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tt.want {
				t.Errorf("PublicURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func multipartRequest(t testing.TB, field, fileName string, data []byte) *http.Request {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.WriteField("before", "a form field"); err != nil {
		t.Fatal(err)
	}
	fw, _ := mw.CreateFormFile(field, fileName)
	fw.Write(data)
	mw.Close()
	r := httptest.NewRequest(http.MethodPut, "/", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

func TestFilePart(t *testing.T) {
	payload := []byte("PK\x03\x04 package bytes")
	tests := []struct {
		name     string
		req      func() *http.Request
		wantName string
		wantErr  error
	}{
		{name: "multipart", req: func() *http.Request { return multipartRequest(t, "package", "package.nupkg", payload) }, wantName: "package.nupkg"},
		{name: "windows path", req: func() *http.Request { return multipartRequest(t, "file", `C:\out\My.App.1.0.0.zip`, payload) }, wantName: "My.App.1.0.0.zip"},
		{name: "unix path", req: func() *http.Request { return multipartRequest(t, "fileData", `/tmp/out/My.App.1.0.0.zip`, payload) }, wantName: "My.App.1.0.0.zip"},
		{name: "raw", req: func() *http.Request { return httptest.NewRequest(http.MethodPut, "/", bytes.NewReader(payload)) }},
		{name: "raw with content disposition", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPut, "/", bytes.NewReader(payload))
			r.Header.Set("Content-Disposition", `attachment; filename="dir\My.App.2.0.0.tar.gz"`)
			return r
		}, wantName: "My.App.2.0.0.tar.gz"},
		{name: "no boundary", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPut, "/", bytes.NewReader(payload))
			r.Header.Set("Content-Type", "multipart/form-data")
			return r
		}, wantErr: ErrBadUpload},
		{name: "no file part", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--b--\r\n"))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			return r
		}, wantErr: ErrBadUpload},
		{name: "garbage multipart", req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader("not multipart at all"))
			r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
			return r
		}, wantErr: ErrBadUpload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.req()
			file, name, err := filePart(r, r.Body)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			data, err := io.ReadAll(file)
			if err != nil || !bytes.Equal(data, payload) || name != tt.wantName {
				t.Errorf("got %q, %q, %v; want %q, %q", data, name, err, payload, tt.wantName)
			}
		})
	}
}

func TestFilePartTruncated(t *testing.T) {
	r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader("--b\r\nContent-Disposition: form-data; name=p; filename=p.nupkg\r\n\r\nPK\x03\x04 and then the connection dies"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
	file, _, err := filePart(r, r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(file); !errors.Is(err, ErrBadUpload) {
		t.Errorf("reading a truncated part: err = %v, want ErrBadUpload", err)
	}
}

func TestFilePartMaxBytes(t *testing.T) {
	r := multipartRequest(t, "package", "package.nupkg", bytes.Repeat([]byte("x"), 10000))
	w := httptest.NewRecorder()
	file, _, err := filePart(r, http.MaxBytesReader(w, r.Body, 1000))
	if err == nil {
		_, err = io.ReadAll(file)
	}
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) {
		t.Errorf("err = %v, want a *http.MaxBytesError inside", err)
	}
}

func FuzzFilePart(f *testing.F) {
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=p; filename=p.nupkg\r\n\r\nPK\r\n--b--\r\n"))
	f.Add(`multipart/form-data; boundary="146822fe-a19a-4103-8cc1-27707075bf06"`,
		[]byte("--146822fe-a19a-4103-8cc1-27707075bf06\r\nContent-Type: application/octet-stream\r\nContent-Disposition: form-data; name=package; filename=package.nupkg; filename*=utf-8''package.nupkg\r\n\r\nPK\x03\x04\r\n--146822fe-a19a-4103-8cc1-27707075bf06--\r\n"))
	f.Add("application/octet-stream", []byte("PK\x03\x04"))
	f.Add("multipart/mixed; boundary=x", []byte("--x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		r := httptest.NewRequest(http.MethodPut, "/", bytes.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		file, name, err := filePart(r, r.Body)
		if err != nil {
			if !errors.Is(err, ErrBadUpload) {
				t.Fatalf("error %v is not ErrBadUpload", err)
			}
			return
		}
		if strings.ContainsAny(name, `/\`) {
			t.Fatalf("file name %q keeps a path", name)
		}
		if _, err := io.Copy(io.Discard, file); err != nil && !errors.Is(err, ErrBadUpload) {
			t.Fatalf("read error %v is not ErrBadUpload", err)
		}
	})
}

func TestRecover(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m, err := NewMetrics(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := Begin(nil)(Observe(log, m)(Recover(log)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("boom")
	}))))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	if w.Code != 500 || !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "status=500") {
		t.Errorf("panic gave status %d, logs:\n%s", w.Code, logs.String())
	}
}

// readerFromWriter is a ResponseWriter whose ReadFrom is observable.
type readerFromWriter struct {
	*httptest.ResponseRecorder
	used bool
}

func (w *readerFromWriter) ReadFrom(r io.Reader) (int64, error) {
	w.used = true
	return io.Copy(w.ResponseRecorder, r)
}

func TestRecorderKeepsReadFrom(t *testing.T) {
	inner := &readerFromWriter{ResponseRecorder: httptest.NewRecorder()}
	rec := &recorder{ResponseWriter: inner}
	n, err := io.Copy(rec, io.LimitReader(strings.NewReader("hello world"), 5))
	if err != nil || n != 5 || !inner.used || rec.bytes != 5 || rec.status != 200 {
		t.Errorf("copy through recorder: n=%d err=%v ReadFrom used=%v bytes=%d status=%d", n, err, inner.used, rec.bytes, rec.status)
	}
}

func FuzzRedactQuery(f *testing.F) {
	f.Add("apikey=API-SECRETSECRET&replace=true/")
	f.Add("%41PIKEY=API-SECRETSECRET")
	f.Add("x=1&ApiKey=API-SECRETSECRET&ApiKey=API-OTHER")
	f.Fuzz(func(t *testing.T, raw string) {
		// Whatever key credential would take from the query, the redacted query no longer yields it.
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.URL.RawQuery = raw
		if credential(r) == "" {
			return
		}
		redacted := redactQuery(raw)
		r.URL.RawQuery = redacted
		if got := credential(r); got != "" && got != "REDACTED" {
			t.Fatalf("redactQuery(%q) = %q still yields the key %q", raw, redacted, got)
		}
	})
}
