package httpx

import (
	"io/fs"
	"net"
	"os"
	"strings"
)

// Quiet is err as a client may read it: the texts of socket and file-system
// errors anywhere in its chain lose their addresses and paths
// ("read tcp 127.0.0.1:8080->127.0.0.1:51234: i/o timeout" becomes
// "read: i/o timeout", "open /data/packages/x: permission denied" becomes
// "open: permission denied"). errors.Is and errors.As see the original chain,
// and logs should keep the original. Each protocol's error table reads the
// client's text from Quiet(err): the one place per family where an error
// becomes text.
func Quiet(err error) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	quieted := text
	walk(err, func(e error) {
		var safe string
		switch x := e.(type) {
		case *net.OpError:
			safe = x.Op
			if x.Err != nil {
				safe += ": " + Quiet(x.Err).Error()
			}
		case *fs.PathError:
			safe = x.Op + ": " + Quiet(x.Err).Error()
		case *os.LinkError:
			safe = x.Op + ": " + Quiet(x.Err).Error()
		case *net.AddrError:
			safe = x.Err
		case *net.DNSError:
			safe = "lookup: " + x.Err
		default:
			return
		}
		quieted = strings.ReplaceAll(quieted, e.Error(), safe)
	})
	if quieted == text {
		return err
	}
	return &quietError{err: err, text: quieted}
}

// walk calls f on err and every error it wraps, depth first.
func walk(err error, f func(error)) {
	for err != nil {
		f(err)
		switch u := err.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e, f)
			}
			return
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		default:
			return
		}
	}
}

// quietError is an error with a client-safe text over the original chain.
type quietError struct {
	err  error
	text string
}

func (q *quietError) Error() string { return q.text }
func (q *quietError) Unwrap() error { return q.err }
