package octopus

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/protocol/httpx"
	"github.com/feedserver/feedserver/protocol/octopus/octodiff"
)

// DeltaSignature serves GET …/packages/{packageId}/{version}/delta-signature:
// the Octodiff signature (SHA1, Adler32, 2048-byte chunks) of a stored base
// for the version about to be pushed, base64 in JSON. 404 when the id has no
// version: Octopus.Client and go-octopusdeploy then do a full upload.
func (h *Handler) DeltaSignature(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, err := h.begin(r, auth.BuiltInFeedPush)
	if err != nil {
		return err
	}
	base, err := h.baseFor(r, sp.ID, httpx.Var(r, "packageId"), httpx.Var(r, "version"))
	if err != nil {
		return err
	}
	blob, base, err := h.feed.Open(ctx, sp.ID, base.Kind, base.ID.Lower(), base.Version.String())
	if err != nil {
		return err
	}
	defer blob.Close()
	sig, err := octodiff.SignatureBase64(blob)
	if err != nil {
		return fmt.Errorf("signature of %s %s: %w", base.ID, base.Version.Original(), err)
	}
	return httpx.WriteJSON(w, r, http.StatusOK, signatureResource{Signature: sig, BaseVersion: base.Version.Original()})
}

// baseFor picks the base of a delta for version: that version itself when
// stored (a re-push, Issues#6840), else the highest stored version below it,
// else the highest stored version. Which one Octopus picks is unconfirmed;
// any base works, the closest gives the smallest delta.
func (h *Handler) baseFor(r *http.Request, space, id, version string) (index.Entry, error) {
	versions, err := h.versionsOf(r.Context(), space, id, false) // newest first
	if err != nil {
		return index.Entry{}, err
	}
	if len(versions) == 0 {
		return index.Entry{}, fmt.Errorf("%w: the built-in feed has no package %s to build a delta on", errNoBase, id)
	}
	want, err := nuget.ParseVersion(version)
	if err != nil {
		return versions[0], nil // an odd version text still gets a base
	}
	for _, e := range versions {
		if nuget.CompareVersions(e.Version, want) <= 0 {
			return e, nil
		}
	}
	return versions[0], nil
}

// DeltaUpload serves POST …/packages/{packageId}/{baseVersion}/delta: the
// multipart file part is an Octodiff delta against the stored base, and its
// file name is the new package's (how the new version is known). The delta
// is applied while the result streams into feed.Push — never whole in
// memory — and Octodiff's SHA-1 check runs before the push's stream ends, so
// a bad delta stores nothing. Answers are those of a raw upload; a delta that
// cannot be applied is a 404 (no base) or 422, never 400 (see body in errors.go).
func (h *Handler) DeltaUpload(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	sp, mode, err := h.beginUpload(r)
	if err != nil {
		return err
	}
	base, err := h.findVersion(ctx, sp.ID, httpx.Var(r, "packageId"), httpx.Var(r, "baseVersion"))
	if errors.Is(err, feed.ErrNotFound) {
		err = fmt.Errorf("%w: %s %s is not in the built-in feed", errNoBase, httpx.Var(r, "packageId"), httpx.Var(r, "baseVersion"))
	}
	if err != nil {
		return err
	}
	file, name, err := httpx.Upload(w, r, h.opts.MaxUploadBytes)
	if err != nil {
		if errors.Is(err, httpx.ErrBadUpload) {
			err = fmt.Errorf("%w: %s: %w", errBadRequest, msgNoDelta, err)
		}
		return err
	}
	if name == "" {
		return fmt.Errorf("%w: the delta's file part must carry the new package's file name, e.g. MyApp.1.0.1.zip", errBadRequest)
	}
	blob, _, err := h.feed.Open(ctx, sp.ID, base.Kind, base.ID.Lower(), base.Version.String())
	if err != nil {
		return err
	}
	defer blob.Close()

	delta := &counter{r: file}
	pr, pw := io.Pipe()
	out := &boundedOutput{w: pw, limit: h.deltaLimit(base.Size, delta)}
	applied := make(chan error, 1)
	go func() {
		// The output stops at its bound before a byte past it is written;
		// a push that stops reading (its own errors) fails the pipe write.
		// Either ends the apply.
		err := octodiff.ApplyDelta(blob, delta, out)
		pw.CloseWithError(err) // nil closes with io.EOF: the push then completes
		applied <- err
	}()
	res, err := h.feed.Push(ctx, pushRequest(ctx, sp, name, pr, mode))
	pr.CloseWithError(errPushEnded) // unblocks the applier if the push stopped reading early
	applyErr := <-applied
	if applyErr != nil && !errors.Is(applyErr, errPushEnded) {
		err = deltaError(applyErr) // the root cause; the push only saw a broken stream
		if delta.n == 0 {
			err = errEmptyDelta
		}
	}
	if err != nil {
		return err
	}
	return h.pushed(w, r, res)
}

// errPushEnded tells the delta applier that the push stopped reading.
var errPushEnded = errors.New("the push stopped reading the patched package")

// The default bound of a delta's output, when max-upload is not set. A
// delta is small and its output large by design (COPY commands reuse the
// base), so the output is bounded relative to what the client could
// legitimately be building on: every byte of the base copied up to
// deltaBaseCopies times (a new version that repeats a file of the old one
// in more folders), plus every byte of the delta itself (its DATA
// commands), plus deltaSlack. A 1,742-byte delta that copies a 1 MiB base
// 100 times (issue 17 row 4) stops at 5 MiB. Past it the upload is a 413:
// Octopus.Client then pushes the whole package instead, which max-upload
// (when set) bounds as any upload.
const (
	deltaBaseCopies = 4
	deltaSlack      = 1 << 20
)

// deltaLimit is how many bytes a delta on a base of baseSize may produce,
// asked again as the delta's bytes arrive (sent counts them): max-upload
// when set, else the default bound above.
func (h *Handler) deltaLimit(baseSize int64, sent *counter) func() int64 {
	if h.opts.MaxUploadBytes > 0 {
		return func() int64 { return h.opts.MaxUploadBytes }
	}
	return func() int64 { return deltaBaseCopies*baseSize + sent.n + deltaSlack }
}

// boundedOutput refuses, with octodiff.ErrTooLarge, a write that would take
// the output past its limit; nothing past it reaches the push.
type boundedOutput struct {
	w       io.Writer
	limit   func() int64
	written int64
}

func (b *boundedOutput) Write(p []byte) (int, error) {
	if limit := b.limit(); b.written+int64(len(p)) > limit {
		return 0, &deltaTooLargeError{limit: limit}
	}
	n, err := b.w.Write(p)
	b.written += int64(n)
	return n, err
}

// deltaTooLargeError is a delta whose output passed its bound; it is an
// octodiff.ErrTooLarge (413).
type deltaTooLargeError struct{ limit int64 }

func (e *deltaTooLargeError) Error() string {
	return fmt.Sprintf("the delta's output would exceed %d bytes", e.limit)
}

func (e *deltaTooLargeError) Is(target error) bool { return target == octodiff.ErrTooLarge }
