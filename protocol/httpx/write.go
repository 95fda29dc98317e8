package httpx

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// WriteJSON answers with v as an indented JSON document and a final newline,
// never cached (Cache-Control: no-store): the answers of the /api family
// (Octopus, the admin API and the pages' JSON endpoints). "&", "<" and ">"
// stay as they are: Octopus' links carry them, and the type is JSON, never
// HTML. HEAD gets the headers only. It fails, having written nothing, only
// when v cannot be encoded.
func WriteJSON(w http.ResponseWriter, r *http.Request, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
	return nil
}

// WriteText answers with one line of plain text (the error bodies of the
// NuGet family and the generic registry: clients print them as they are).
func WriteText(w http.ResponseWriter, r *http.Request, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(text + "\n"))
	}
}

// maxHeaderText bounds HeaderText's result.
const maxHeaderText = 500

// HeaderText makes s one printable ASCII line of bounded length, fit for a
// header a client prints (X-NuGet-Warning): line breaks and tabs become
// spaces, other control characters go, anything past ASCII becomes '?'.
func HeaderText(s string) string {
	var b strings.Builder
	for _, c := range s {
		if b.Len() >= maxHeaderText {
			b.WriteString("...")
			break
		}
		switch {
		case c == '\r' || c == '\n' || c == '\t':
			b.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
		case c > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(c)
		}
	}
	return strings.TrimSpace(b.String())
}
