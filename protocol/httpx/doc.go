// Package httpx holds what every wire protocol of the server shares: the
// per-request state (request id, route template, the authenticated
// principal), the middleware that fills it (request id, access log and
// metrics, panic recovery, authentication), the public base URL of a request,
// and the reader that finds the uploaded file in a request body.
//
// It owns no routes and no protocol's error shapes: each protocol package
// reads the state through Principal, Require and AuthError and answers in its
// own way. It may import auth, never feed, index or a protocol package.
package httpx
