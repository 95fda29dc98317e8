package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/feedserver/feedserver/auth"
)

// Begin is the outermost middleware: it gives the request its id (an incoming
// X-Request-Id is kept when it is short and plain, so a proxy's id carries
// through) and the state the other middleware fill in. public is the
// configured public base URL, nil to derive it from each request.
func Begin(public *url.URL) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-Id")
			if !plainID(id) {
				id = newID()
			}
			w.Header().Set("X-Request-Id", id)
			s := &state{id: id, public: public}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, s)))
		})
	}
}

func plainID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}

// AccessLogMessage is the message of every access log record: the server
// buffers these lines (and only these) on their way to the output.
const AccessLogMessage = "request"

// Observe writes one access log line per request and records the HTTP
// metrics. The URL is logged with any apikey query value redacted; headers
// are never logged.
func Observe(log *slog.Logger, m *Metrics) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &recorder{ResponseWriter: w}
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			next.ServeHTTP(rec, r)
			elapsed := time.Since(start)
			status := rec.status
			if status == 0 {
				status = http.StatusOK // nothing written: net/http sends 200
			}
			route := routeTemplate(r.Context())
			method := metricMethod(r.Method)
			m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
			m.duration.WithLabelValues(route, method).Observe(elapsed.Seconds())
			m.responseBytes.WithLabelValues(route).Add(float64(rec.bytes))

			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			} else if route == "/healthz" || route == "/readyz" || route == "/metrics" {
				level = slog.LevelDebug // probes would drown the log
			}
			ctx := r.Context()
			if !log.Enabled(ctx, level) {
				return
			}
			// Every value the client chose is logged through redactKeys: a
			// key pasted into a path, a search or a user agent stays out too.
			attrs := []slog.Attr{
				slog.String("id", RequestID(ctx)),
				slog.String("method", r.Method),
				slog.String("path", redactKeys(r.URL.EscapedPath())),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", elapsed),
				slog.String("remote", r.RemoteAddr),
				slog.String("principal", redactKeys(Principal(ctx).String())), // a key's name is typed too
			}
			if q := redactKeys(redactQuery(r.URL.RawQuery)); q != "" {
				attrs = append(attrs, slog.String("query", q))
			}
			if ua := r.UserAgent(); ua != "" {
				attrs = append(attrs, slog.String("user_agent", redactKeys(ua)))
			}
			if s := stateOf(ctx); s != nil && s.err != nil {
				// Errors may quote a path value back.
				attrs = append(attrs, slog.String("err", redactKeys(s.err.Error())))
			}
			log.LogAttrs(ctx, level, AccessLogMessage, attrs...)
		})
	}
}

// redactQuery returns a raw query with the value of every apikey parameter
// (any case) replaced, so a key passed in the URL never reaches a log.
func redactQuery(raw string) string {
	if !mayHoldAPIKey(raw) {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, hasValue := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if strings.Contains(strings.ToLower(name), "apikey") {
			parts[i] = "apikey=REDACTED"
			if !hasValue {
				parts[i] = "REDACTED" // "?apikeyAPI-XXXX": a name with the key glued on
			}
		}
	}
	return strings.Join(parts, "&")
}

// redactedKey replaces a key-shaped run in a log line.
const redactedKey = "API-REDACTED"

// minRedactedRun is how many key characters after "API-" make a run look
// like a key: fewer than any real key has (26), so a key missing a few
// characters is still hidden, and more than words in package ids have.
const minRedactedRun = 20

// redactKeys replaces every run that looks like an API key in s: "API-" in
// any case (its "-" also percent-encoded, as in a path) and at least
// minRedactedRun letters and digits, wherever it stands. The access log runs
// the path, the query, the user agent and the error through it, so a key
// typed into a URL by mistake never reaches a log.
func redactKeys(s string) string {
	var b strings.Builder
	last := 0 // s[last:] is not copied yet
	for i := 0; i+3 < len(s); i++ {
		if s[i]|0x20 != 'a' {
			continue // the common case, without a call
		}
		j := keyPrefixEnd(s, i)
		if j < 0 {
			continue
		}
		end := j
		for end < len(s) {
			if isAlnum(s[end]) {
				end++
			} else if next := keyPrefixEnd(s, end-3); end-3 >= j && next > end {
				end = next // a second key glued to this one: the run goes on
			} else {
				break
			}
		}
		if end-j < minRedactedRun {
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(redactedKey)
		last, i = end, end-1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// keyPrefixEnd is the index after "API-" (any case, "-" or "%2D") at s[i:],
// or -1.
func keyPrefixEnd(s string, i int) int {
	if i+3 >= len(s) || s[i]|0x20 != 'a' || s[i+1]|0x20 != 'p' || s[i+2]|0x20 != 'i' {
		return -1
	}
	switch j := i + 3; {
	case s[j] == '-':
		return j + 1
	case j+2 < len(s) && s[j] == '%' && s[j+1] == '2' && s[j+2]|0x20 == 'd':
		return j + 3
	}
	return -1
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// mayHoldAPIKey is the cheap test before a query is parsed for an apikey
// parameter (percent-encoded names included).
func mayHoldAPIKey(rawQuery string) bool {
	return rawQuery != "" && (strings.Contains(strings.ToLower(rawQuery), "apikey") || strings.Contains(rawQuery, "%"))
}

// Recover turns a panic in a handler into a 500 (when nothing was written
// yet) and an error log line with the stack, so one bad request cannot take
// the server down.
func Recover(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v) // net/http's way to abort a response; it logs nothing
				}
				err := fmt.Errorf("panic: %v", v)
				SetError(r.Context(), err)
				log.Error("handler panic", "id", RequestID(r.Context()), "err", err, "stack", string(debug.Stack()))
				if rec, ok := w.(*recorder); !ok || rec.status == 0 {
					http.Error(w, "internal server error (request "+RequestID(r.Context())+")", http.StatusInternalServerError)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Authenticate resolves the request's credentials into a principal. A request
// without credentials is anonymous; a presented key that fails leaves the
// request anonymous with the failure in AuthError, so each protocol answers it
// its own way (NuGet push 403, Octopus 401). keys may be nil: then every
// presented key is invalid.
func Authenticate(keys *auth.Keys) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := stateOf(r.Context())
			if s == nil {
				next.ServeHTTP(w, r)
				return
			}
			s.principal = auth.Anonymous()
			if key := credential(r); key != "" {
				var p auth.Principal
				var err error
				if keys == nil {
					err = fmt.Errorf("%w: the server has no key store", auth.ErrInvalidKey)
				} else {
					p, err = keys.Authenticate(r.Context(), key)
				}
				if err != nil {
					s.authErr = err
				} else {
					s.principal = p
				}
			}
			next.ServeHTTP(w, r) // the principal lives in the request's state: no context copy per request
		})
	}
}

// credential finds the API key of a request, in this order: X-NuGet-ApiKey
// (NuGet clients), X-Octopus-ApiKey (Octopus clients), an apikey query
// parameter in any case (Octopus scripts), the HTTP Basic password with any
// user name, or the user name when the password is empty (NuGet read
// credentials, curl -u KEY:), and Authorization: Bearer or token (generic
// registry clients). "" means none.
func credential(r *http.Request) string {
	if k := strings.TrimSpace(headerValue(r.Header, "X-Nuget-Apikey")); k != "" {
		return k
	}
	if k := strings.TrimSpace(headerValue(r.Header, "X-Octopus-Apikey")); k != "" {
		return k
	}
	if mayHoldAPIKey(r.URL.RawQuery) {
		// In order, so the first apikey parameter wins whatever its case.
		for _, pair := range strings.Split(r.URL.RawQuery, "&") {
			name, value, _ := strings.Cut(pair, "=")
			if n, err := url.QueryUnescape(name); err != nil || !strings.EqualFold(n, "apikey") {
				continue
			}
			if v, err := url.QueryUnescape(value); err == nil && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v)
			}
		}
	}
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return ""
	}
	if user, pass, ok := r.BasicAuth(); ok {
		if pass == "" {
			return strings.TrimSpace(user)
		}
		return strings.TrimSpace(pass)
	}
	scheme, value, _ := strings.Cut(strings.TrimSpace(authz), " ")
	if strings.EqualFold(scheme, "Bearer") || strings.EqualFold(scheme, "token") {
		return strings.TrimSpace(value)
	}
	return ""
}

// headerValue is Header.Get for a name already in canonical form: Get would
// rewrite a name like "X-NuGet-ApiKey" into a new string on every request.
func headerValue(h http.Header, canonical string) string {
	if v := h[canonical]; len(v) > 0 {
		return v[0]
	}
	return ""
}
