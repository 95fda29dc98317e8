// Package generic is the generic package registry's HTTP side, the interface
// Gitea documents for its generic registry:
//
//	PUT    /api/packages/{owner}/generic/{name}/{version}/{file}   201 (raw body or first multipart file)
//	GET    /api/packages/{owner}/generic/{name}/{version}/{file}   200 (and HEAD, Range, ETag)
//	DELETE /api/packages/{owner}/generic/{name}/{version}/{file}   204
//	DELETE /api/packages/{owner}/generic/{name}/{version}          204
//	GET    /api/packages/{owner}/generic/{name}                    200 JSON listing
//
// Handlers are methods of Handler; protocol's route table wires them. Path
// segments arrive percent-encoded (the router matches encoded paths) and are
// decoded and validated here one by one, so "%2e%2e" or "a%2fb" is a 400 that
// names the part, like any other invalid name. Literal dot segments never
// reach the router's redirect: RejectDotSegments answers them with 400.
//
// Handlers return their errors; Handler.Serve answers them as plain text,
// worded in one table (message in errors.go) under the status of each
// error's class (protocol/httpx): 400 invalid owner/name/version/file name
// or body, 401 no or invalid key, 403 missing permission or owner, 404, 409
// the file exists, 413 too large. Uploads are read by httpx.Upload, as every
// protocol's are.
//
// The registry itself (names, storage, catalogue, and whether a push may
// create its owner) is feed/generic's Registry; this package translates
// HTTP into its calls. Owners are namespaces from auth.Owners: an
// administrator's first push creates one (Registry.EnsureOwner decides);
// anyone else needs it to exist (feedserver owner create).
//
// # Imports
//
// feed for the error vocabulary, feed/generic for the registry; never
// another protocol package.
//
//	may import: std, auth, feed, feed/generic, protocol/httpx, github.com/gorilla/mux
package generic
