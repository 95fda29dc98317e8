package httpx

import (
	"bufio"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// ErrBadUpload marks a request body that is not a readable upload: a
// malformed multipart body, one without a file part, or a body cut short.
// It is Invalid: every protocol answers it with 400.
var ErrBadUpload = NewError(Invalid, "bad upload")

// uploadSlack is what an upload body may carry beyond the size limit: the
// multipart framing around the file. The file itself is capped by the feed.
const uploadSlack = 64 << 10

// Upload is how every upload begins (a NuGet push, an Octopus upload or
// delta, a generic PUT): the uploaded file of the request, under maxBytes
// (<= 0: no limit here). A body that declares more than the limit allows is
// refused before a byte is read (a *http.MaxBytesError, 413); any other is
// read through http.MaxBytesReader, so one that sends more fails as it
// crosses the limit. What is left of a body is read by Family.Fail when the
// request fails, so the client reads the answer.
func Upload(w http.ResponseWriter, r *http.Request, maxBytes int64) (file io.Reader, fileName string, err error) {
	var body io.Reader = r.Body
	if maxBytes > 0 {
		if r.ContentLength > maxBytes+uploadSlack {
			return nil, "", &http.MaxBytesError{Limit: maxBytes}
		}
		body = http.MaxBytesReader(w, r.Body, maxBytes+uploadSlack)
	}
	return filePart(r, body)
}

// filePart returns the uploaded file of a request, streaming: the first file
// part of a multipart body whatever its field name (NuGet sends "package",
// Octopus clients "file", "fileToUpload", "data" or "fileData"), or else the
// raw body. The part's own Content-Type is ignored (Octopus' PowerShell
// example sets it to multipart/form-data). fileName is the part's file name
// (or a raw body's Content-Disposition file name) reduced to its base name on
// both / and \ (Octopus .NET clients send Windows paths); "" when there is none.
//
// body is what to read the request body through (r.Body, or a
// http.MaxBytesReader around it). Read errors of the returned reader other
// than io.EOF wrap ErrBadUpload and the original error (so a
// *http.MaxBytesError is still found by errors.As).
func filePart(r *http.Request, body io.Reader) (file io.Reader, fileName string, err error) {
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(mediaType, "multipart/") {
		if _, p, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			fileName = baseName(p["filename"])
		}
		return uploadReader{body}, fileName, nil
	}
	boundary := params["boundary"] // mime unquotes a quoted boundary (NuGet.exe quotes it)
	if boundary == "" {
		return nil, "", fmt.Errorf("%w: the multipart body has no boundary", ErrBadUpload)
	}
	// multipart reads through a 4 KiB buffer: in front of it, a larger one
	// makes a big upload one socket read per 256 KiB instead of per 4 KiB.
	mr := multipart.NewReader(bufio.NewReaderSize(body, multipartBuffer(r.ContentLength)), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", fmt.Errorf("%w: the multipart body has no file part", ErrBadUpload)
		}
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrBadUpload, err)
		}
		if name := part.FileName(); name != "" {
			return uploadReader{part}, baseName(name), nil
		}
		// A plain form field before the file: skip it (bounded by the body limit).
		if _, err := io.Copy(io.Discard, part); err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrBadUpload, err)
		}
	}
}

// multipartBuffer sizes the read buffer to the body: small pushes, the
// common case, must not allocate 256 KiB each.
func multipartBuffer(contentLength int64) int {
	const small, large = 4 << 10, 256 << 10
	if contentLength < 0 || contentLength > large {
		return large
	}
	return max(small, int(contentLength))
}

// baseName is the last element of a path written with / or \.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return strings.TrimSpace(name)
}

// uploadReader marks read failures as ErrBadUpload: a body cut short is the
// client's doing, never a 500.
type uploadReader struct{ r io.Reader }

func (u uploadReader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", ErrBadUpload, err)
	}
	return n, err
}

// drainLimit bounds how much of an unwanted body drain reads.
const drainLimit = 64 << 20

// drain reads and discards what is left of a request body, up to a bound,
// before an early error response: a client still sending a large upload then
// reads the status instead of a connection reset. Pass the original r.Body,
// not a MaxBytesReader around it. Family.Fail drains every failed request.
func drain(body io.Reader) {
	_, _ = io.CopyN(io.Discard, body, drainLimit)
}
