package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection that sends requests built
// beforehand and reads their responses, with no goroutine of its own.
// net/http's transport runs a reader and a writer goroutine per connection
// and hands every request between them: on this 2-CPU machine that was
// about 0.19 ms of each sequential push (the server's own time was 0.66 ms
// at the median, the client's 0.85 ms), taken from the server it measures.
// The push and read rows use it; the others go through net/http.
type rawConn struct {
	addr string
	c    net.Conn
	br   *bufio.Reader
}

func newRawConn(base string) (*rawConn, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("the push rows need an http:// server, not %q", base)
	}
	return &rawConn{addr: u.Host}, nil
}

// newRawConns returns a rawConn for each of a row's n clients; close them
// with closeAll. They dial on first use.
func newRawConns(base string, n int) ([]*rawConn, error) {
	conns := make([]*rawConn, n)
	for i := range conns {
		c, err := newRawConn(base)
		if err != nil {
			return nil, err
		}
		conns[i] = c
	}
	return conns, nil
}

func closeAll(conns []*rawConn) {
	for _, c := range conns {
		c.close()
	}
}

// pushRequest is a complete multipart upload of pkg to path, as NuGet (PUT)
// and Octopus' clients (POST) send it.
func (b *bench) pushRequest(method, path, header, field, file string, pkg []byte) []byte {
	head, tail := multipartFile(field, file)
	host, target := b.rawTarget(path)
	var req bytes.Buffer
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: feedserver-load\r\n%s: %s\r\n", method, target, host, header, b.key)
	fmt.Fprintf(&req, "Content-Type: %s\r\nContent-Length: %d\r\n\r\n", multipartType, len(head)+len(pkg)+len(tail))
	req.WriteString(head)
	req.Write(pkg)
	req.WriteString(tail)
	return req.Bytes()
}

// getRequest is a GET of path, as a NuGet client on a keep-alive connection
// sends it.
func (b *bench) getRequest(path string) []byte {
	host, target := b.rawTarget(path)
	return fmt.Appendf(nil, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: feedserver-load\r\n\r\n", target, host)
}

// rawTarget is the Host header and request target of path on the server,
// which may sit below a path prefix (-base http://host/feed).
func (b *bench) rawTarget(path string) (host, target string) {
	u, err := url.Parse(b.base)
	if err != nil {
		return b.base, path
	}
	return u.Host, strings.TrimSuffix(u.EscapedPath(), "/") + path
}

// do sends req and reads the response, returning the size of its body; a
// status other than want (0: any 2xx) is an error. A broken connection is
// dialled again on the next call.
func (r *rawConn) do(req []byte, want int) (int64, error) {
	if r.c == nil {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			return 0, err
		}
		r.c, r.br = c, bufio.NewReader(c)
	}
	resp, err := r.roundTrip(req)
	if err != nil {
		r.close()
		return 0, err
	}
	defer resp.Body.Close()
	if !wanted(resp.StatusCode, want) {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		r.close()
		method, _, _ := bytes.Cut(req, []byte(" "))
		return 0, fmt.Errorf("%s: status %d, want %d: %s", method, resp.StatusCode, want, bytes.TrimSpace(msg))
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.Close {
		r.close()
	}
	return n, err
}

func (r *rawConn) roundTrip(req []byte) (*http.Response, error) {
	// A server that stops answering fails the row instead of hanging it.
	if err := r.c.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		return nil, err
	}
	if _, err := r.c.Write(req); err != nil {
		return nil, err
	}
	return http.ReadResponse(r.br, nil)
}

func (r *rawConn) close() {
	if r.c != nil {
		r.c.Close()
		r.c, r.br = nil, nil
	}
}
