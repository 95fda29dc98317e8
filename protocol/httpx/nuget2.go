package httpx

import (
	"bytes"
	"io"
	"strings"
)

// NuGet 2.x under Mono (Debian 12's `nuget` package, NuGet 2.8.7) ends the
// file part of its push with a bare LF (Mono's Environment.NewLine) before
// the closing delimiter, where RFC 2046 wants CRLF, and sends nothing after
// that delimiter (docs/protocol/nuget.md §15). mime/multipart then never
// finds the end of the part: "unexpected EOF". Only for those clients,
// bareLFBeforeClose gives the LF the CR it lacks; every other byte passes
// as sent.

// nuGet2 reports whether a request comes from NuGet 2.x: NuGet.exe 2.8.7
// pushes as "NuGet Command Line/2.8.7.0 (Unix …)" and reads as
// "NuGet/2.8.7.0 (…)".
func nuGet2(userAgent string) bool {
	return strings.HasPrefix(userAgent, "NuGet Command Line/2.") || strings.HasPrefix(userAgent, "NuGet/2.")
}

// bareLFBeforeClose reads r, holding back its last bytes until EOF; if the
// body then ends with LF + "--" + boundary + "--" and no CR before the LF,
// it returns CR LF there instead.
type bareLFBeforeClose struct {
	r     io.Reader
	close []byte // "\n--" + boundary + "--"
	buf   []byte // read, not yet returned; until EOF its last len(close)+1 bytes stay
	start int    // buf[start:] is what is left to return
	err   error  // r's error, once it has one
}

func newBareLFBeforeClose(r io.Reader, boundary string) *bareLFBeforeClose {
	return &bareLFBeforeClose{r: r, close: []byte("\n--" + boundary + "--"), buf: make([]byte, 0, 32<<10)}
}

func (b *bareLFBeforeClose) Read(p []byte) (int, error) {
	keep := len(b.close) + 1
	for b.err == nil && len(b.buf)-b.start <= keep {
		if b.start > 0 { // move what is left to the front, then read after it
			b.buf = b.buf[:copy(b.buf, b.buf[b.start:])]
			b.start = 0
		}
		n, err := b.r.Read(b.buf[len(b.buf):cap(b.buf)])
		b.buf = b.buf[:len(b.buf)+n]
		if err != nil {
			b.err = err
			if err == io.EOF {
				b.buf = b.fixTail(b.buf)
			}
		}
	}
	avail := b.buf[b.start:]
	if b.err == nil {
		avail = avail[:len(avail)-keep]
	}
	if len(avail) == 0 {
		return 0, b.err
	}
	n := copy(p, avail)
	b.start += n
	return n, nil
}

// fixTail inserts the CR when all ends with the closing delimiter after a bare LF.
func (b *bareLFBeforeClose) fixTail(all []byte) []byte {
	if !bytes.HasSuffix(all, b.close) {
		return all
	}
	at := len(all) - len(b.close) // the LF
	if at > 0 && all[at-1] == '\r' {
		return all
	}
	fixed := make([]byte, 0, len(all)+1)
	fixed = append(fixed, all[:at]...)
	fixed = append(fixed, '\r')
	return append(fixed, all[at:]...)
}
