package octopus_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/protocol"
	"github.com/feedserver/feedserver/protocol/octopus/octodiff"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// deltaFor fetches the signature of the stored base for version and builds
// a delta to newFile with the octodiff writer, as octo does.
func deltaFor(t testing.TB, e *env, key, packageID, version string, newFile []byte) (baseVersion string, delta []byte) {
	t.Helper()
	code, body := e.get(t, "/api/Spaces-1/packages/"+packageID+"/"+version+"/delta-signature", key)
	wantStatus(t, "delta-signature", code, body, 200)
	res := decode[obj](t, body)
	raw, err := base64.StdEncoding.DecodeString(str(res, "Signature"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := octodiff.ReadSignature(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := octodiff.BuildDelta(bytes.NewReader(newFile), sig, &buf); err != nil {
		t.Fatal(err)
	}
	return str(res, "BaseVersion"), buf.Bytes()
}

// mutate returns a copy of base with n bytes changed at off.
func mutate(base []byte, off, n int) []byte {
	out := bytes.Clone(base)
	for i := off; i < off+n && i < len(out); i++ {
		out[i] ^= 0x5a
	}
	return out
}

// A delta round trip: signature of a stored package, a delta for a new
// version sharing most bytes, uploaded and re-assembled byte-identically.
func TestDeltaRoundTrip(t *testing.T) {
	e := newEnv(t)
	key := e.PublisherKey
	base := archive(1, 300_000)
	code, body := e.upload(t, "/api/Spaces-1/packages/raw", key, "Delta.1.0.0.zip", base)
	wantStatus(t, "base upload", code, body, 201)

	next := append(mutate(base, 100_000, 5_000), []byte("appended tail")...)
	baseVersion, delta := deltaFor(t, e, key, "Delta", "1.0.1", next)
	if baseVersion != "1.0.0" {
		t.Fatalf("BaseVersion: got %q, want 1.0.0", baseVersion)
	}
	if len(delta) > len(next)/10 {
		t.Fatalf("delta is %d bytes for a %d-byte file: the signature did not match", len(delta), len(next))
	}
	// The octopus CLI's request: filename is the new package's.
	code, body = e.upload(t, "/api/Spaces-1/packages/Delta/"+baseVersion+"/delta?overwriteMode=FailIfExists", key, "Delta.1.0.1.zip", delta)
	wantStatus(t, "delta upload", code, body, 201)
	p := decode[obj](t, body)
	if str(p, "Version") != "1.0.1" || str(p, "Hash") != sha1hex(next) || num(p, "PackageSizeBytes") != float64(len(next)) {
		t.Errorf("delta result: got %s", body)
	}
	code, data := e.get(t, "/api/Spaces-1/packages/packages-Delta.1.0.1/raw", key)
	if code != 200 || !bytes.Equal(data, next) {
		t.Fatalf("download of the re-assembled package: got %d, %d bytes, want the %d new bytes", code, len(data), len(next))
	}
	// Again: 409 like a raw upload; IgnoreIfExists 200.
	code, body = e.upload(t, "/api/Spaces-1/packages/Delta/1.0.0/delta", key, "Delta.1.0.1.zip", delta)
	wantStatus(t, "delta duplicate", code, body, 409)
	code, body = e.upload(t, "/api/Spaces-1/packages/Delta/1.0.0/delta?overwriteMode=IgnoreIfExists", key, "Delta.1.0.1.zip", delta)
	wantStatus(t, "delta ignored", code, body, 200)

	// A signature for a version below every stored one still gets a base.
	code, body = e.get(t, "/api/Spaces-1/packages/Delta/0.9.0/delta-signature", key)
	if code != 200 || str(decode[obj](t, body), "BaseVersion") != "1.0.1" {
		t.Errorf("signature below all versions: got %d %s", code, body)
	}
}

// Deltas that cannot be applied store nothing and answer 404 or 422, never
// 400 (Octopus.Client only falls back to a full upload on non-validation errors).
func TestDeltaRefusals(t *testing.T) {
	e := newEnv(t)
	key := e.PublisherKey
	base := archive(1, 50_000)
	code, body := e.upload(t, "/api/Spaces-1/packages/raw", key, "Refuse.1.0.0.zip", base)
	wantStatus(t, "base upload", code, body, 201)
	next := mutate(base, 1000, 100)
	_, delta := deltaFor(t, e, key, "Refuse", "1.0.1", next)

	wrongHash := bytes.Clone(delta)
	wrongHash[20] ^= 0xff // inside the SHA-1 of the header (after "OCTODELTA", 1, "SHA1", int32)
	truncated := delta[:len(delta)-3]
	badCommand := append(bytes.Clone(delta[:42]), 0x42)
	pastEnd := append(bytes.Clone(delta[:42]), 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0)

	for _, tc := range []struct {
		name, path string
		delta      []byte
		want       int
	}{
		{"wrong hash", "/api/Spaces-1/packages/Refuse/1.0.0/delta", wrongHash, http.StatusUnprocessableEntity},
		{"truncated", "/api/Spaces-1/packages/Refuse/1.0.0/delta", truncated, http.StatusUnprocessableEntity},
		{"unknown command", "/api/Spaces-1/packages/Refuse/1.0.0/delta", badCommand, http.StatusUnprocessableEntity},
		{"copy past the base", "/api/Spaces-1/packages/Refuse/1.0.0/delta", pastEnd, http.StatusUnprocessableEntity},
		{"not a delta", "/api/Spaces-1/packages/Refuse/1.0.0/delta", []byte("hello"), http.StatusUnprocessableEntity},
		{"no base version", "/api/Spaces-1/packages/Refuse/0.5.0/delta", delta, http.StatusNotFound},
		{"no base package", "/api/Spaces-1/packages/Nothing/1.0.0/delta", delta, http.StatusNotFound},
		{"empty delta", "/api/Spaces-1/packages/Refuse/1.0.0/delta", []byte{}, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.upload(t, tc.path, key, "Refuse.1.0.1.zip", tc.delta)
			wantStatus(t, "delta upload", code, body, tc.want)
			if str(decode[obj](t, body), "ErrorMessage") == "" {
				t.Errorf("no ErrorMessage: %s", body)
			}
			code, body = e.get(t, "/api/Spaces-1/packages/packages-Refuse.1.0.1", key)
			wantStatus(t, "nothing stored", code, body, 404)
		})
	}
	code, body = e.get(t, "/api/Spaces-1/packages/Nothing/1.0.0/delta-signature", key)
	wantStatus(t, "signature without a base", code, body, 404)
	code, body = e.get(t, "/api/Spaces-1/packages/Refuse/1.0.1/delta-signature", e.ReaderKey)
	wantStatus(t, "signature for a reader", code, body, 403)
	if !strings.Contains(str(decode[obj](t, body), "ErrorMessage"), "BuiltInFeedPush") {
		t.Errorf("reader signature: %s", body)
	}
}

// copyDelta is a delta that copies the whole base of baseLen bytes n times:
// the header of a real delta (the expected hash does not matter, the apply
// stops first) and n COPY commands (0x60, offset, length; little-endian).
func copyDelta(header []byte, baseLen int64, n int) []byte {
	out := bytes.Clone(header[:42])
	var cmd [17]byte
	cmd[0] = 0x60
	binary.LittleEndian.PutUint64(cmd[9:], uint64(baseLen))
	for range n {
		out = append(out, cmd[:]...)
	}
	return out
}

// TestDeltaAmplificationIsBounded is issue 17 row 4: a small delta that
// copies its base many times is a 413 with nothing stored, under max-upload
// when it is set and under the default bound (4 × base + the delta + 1 MiB)
// when it is not; a delta within the bound still applies.
func TestDeltaAmplificationIsBounded(t *testing.T) {
	const baseLen = 1 << 20
	for _, tc := range []struct {
		name      string
		maxUpload int64
		copies    int // within the bound
	}{
		{"default bound", 0, 4},
		{"max-upload", 3 << 20, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, protocoltest.WithOptions(func(o *protocol.Options) { o.MaxUploadBytes = tc.maxUpload }))
			base := archive(7, baseLen)
			code, body := e.upload(t, "/api/packages/raw", e.AdminKey, "Amp.1.0.0.zip", base)
			wantStatus(t, "base upload", code, body, 201)
			_, real := deltaFor(t, e, e.AdminKey, "Amp", "1.0.1", mutate(base, 0, 10))

			// 100 copies: issue 17's 1,742-byte delta that stored 100 MiB.
			code, body = e.upload(t, "/api/packages/Amp/1.0.0/delta", e.AdminKey, "Amp.2.0.0.zip", copyDelta(real, baseLen, 100))
			wantStatus(t, "100 copies", code, body, http.StatusRequestEntityTooLarge)
			if code, _ := e.get(t, "/api/packages/packages-Amp.2.0.0", e.AdminKey); code != http.StatusNotFound {
				t.Errorf("a refused delta left Amp 2.0.0 behind: %d", code)
			}

			// Within the bound: the copies apply; the hash check then
			// decides (the header's hash is the real delta's, so 422).
			code, body = e.upload(t, "/api/packages/Amp/1.0.0/delta", e.AdminKey, "Amp.3.0.0.zip", copyDelta(real, baseLen, tc.copies))
			wantStatus(t, "copies within the bound", code, body, http.StatusUnprocessableEntity)

			// A real delta is untouched by the bound.
			code, body = e.upload(t, "/api/packages/Amp/1.0.0/delta", e.AdminKey, "Amp.1.0.1.zip", real)
			wantStatus(t, "real delta", code, body, 201)
		})
	}
}
