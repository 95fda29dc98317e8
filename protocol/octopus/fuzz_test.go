package octopus_test

import (
	"bytes"
	"net/http"
	"testing"
)

// FuzzDeltaUpload sends arbitrary bytes as a delta against a stored base:
// whatever they are, the answer is never a 5xx or a 400 (Octopus.Client
// would not fall back to a full upload), and a refused delta stores nothing.
// Seeded with a real delta and damaged copies of it.
func FuzzDeltaUpload(f *testing.F) {
	e := newEnv(f)
	base := archive(1, 20_000)
	if code, body := e.upload(f, "/api/packages/raw", e.AdminKey, "Fuzz.1.0.0.zip", base); code != http.StatusCreated {
		f.Fatalf("base upload: %d %s", code, body)
	}
	next := mutate(base, 5000, 300)
	_, delta := deltaFor(f, e, e.AdminKey, "Fuzz", "1.0.1", next)
	f.Add(delta)
	f.Add(delta[:len(delta)/2])
	f.Add(append(bytes.Clone(delta[:42]), 0x80, 5, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'))
	f.Add([]byte("OCTODELTA\x01\x04SHA1\x14\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, d []byte) {
		code, body := e.upload(t, "/api/packages/Fuzz/1.0.0/delta?overwriteMode=OverwriteExisting", e.AdminKey, "Fuzz.1.0.1.zip", d)
		switch code {
		case http.StatusCreated:
			// A valid delta: what was stored must hash as the delta promised.
			p := decode[obj](t, body)
			if len(str(p, "Hash")) != 40 {
				t.Fatalf("stored package without a hash: %s", body)
			}
			_, raw := e.get(t, "/api/packages/packages-Fuzz.1.0.1/raw", e.AdminKey)
			if sha1hex(raw) != str(p, "Hash") {
				t.Fatalf("stored bytes hash %s, resource says %s", sha1hex(raw), str(p, "Hash"))
			}
			e.send(t, req{method: "DELETE", path: "/api/packages/packages-Fuzz.1.0.1", header: map[string]string{"X-Octopus-ApiKey": e.AdminKey}})
		case http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
			if c, _ := e.get(t, "/api/packages/packages-Fuzz.1.0.1", e.AdminKey); c != http.StatusNotFound {
				t.Fatalf("a refused delta (%d) left a package behind", code)
			}
		case http.StatusBadRequest:
			if len(d) != 0 {
				t.Fatalf("400 for a non-empty delta: %s", body)
			}
		default:
			t.Fatalf("status %d: %s", code, body)
		}
	})
}
