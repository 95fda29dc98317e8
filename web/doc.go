// Package web serves the pages people use to run the feed — Library →
// Packages: browse and search packages, open one to see its versions,
// metadata and how to consume it, upload a package, copy push commands for
// this server, and administer (delete or unlist versions, re-index,
// retention, API keys).
//
// The pages are rendered on the server with html/template from embedded
// templates; a little plain JavaScript (static/app.js, no build step) sends
// the actions to the same HTTP endpoints the clients use (NuGet push, delete
// and relist, Octopus raw upload and delete, the generic registry, the admin
// API), with the API key typed into the page in a request header. No key is
// ever written into a page, a cookie or a log: the browser keeps it in
// sessionStorage only. Every page carries a strict Content-Security-Policy.
//
// The few JSON endpoints it owns itself (API keys, listing state of any kind
// of package) need an administrator key and refuse cross-site requests.
//
// # Imports
//
// feed and feed/generic for what it shows; index only for the types feed
// hands out (index.Entry, index.Query); protocol/httpx for the request state
// the protocols share, and no other protocol package. Only the route table
// (and cmd) may import it. goldmark renders a package's readme and
// bluemonday sanitises the result (readme.go): package text is untrusted.
//
//	may import:  std, auth, feed, feed/generic, index, nuget, protocol/httpx,
//	             github.com/yuin/goldmark/..., github.com/microcosm-cc/bluemonday
//	imported by: protocol, cmd/feedserver
package web
