// Package octodiff reads and writes the two binary formats of Octodiff, the
// rsync-style delta tool behind Octopus Deploy's delta compression
// (`octo push --use-delta-compression`, `octopus package upload --delta`):
//
//   - the signature (OCTOSIG): per 2048-byte chunk of the basis file, its
//     rolling checksum and its SHA-1. The server sends it, base64 in JSON, from
//     GET …/packages/{id}/{version}/delta-signature.
//   - the delta (OCTODELTA): the SHA-1 of the new file, then COPY (from the
//     basis) and DATA (literal) commands. The client posts it to
//     POST …/packages/{id}/{baseVersion}/delta and the server applies it.
//
// The server only needs BuildSignature and ApplyDelta; ReadSignature and
// BuildDelta are the client half, used by tests, benchmarks and tools.
//
// Every refusal of malformed input wraps ErrCorrupt; a delta whose result does
// not hash to the SHA-1 in its header wraps ErrHashMismatch; output beyond a
// caller's limit wraps ErrTooLarge. ApplyDelta streams its output, so on any
// error the caller must discard what was written.
//
// # Imports
//
// A file-format codec: the standard library only, and nothing of HTTP or
// files (scripts/load uses it as a client would).
//
//	may import:    std
//	must not:      net/http/..., os/..., syscall, unsafe
//	never reaches: net/http
package octodiff
