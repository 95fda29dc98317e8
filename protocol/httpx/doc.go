// Package httpx holds what every wire protocol of the server shares: the
// per-request state (request id, route template, the authenticated
// principal), the middleware that fills it (request id, access log and
// metrics, panic recovery, authentication), the public base URL of a request,
// and the reader that finds the uploaded file in a request body.
//
// It owns no routes and no protocol's error shapes: each protocol package
// reads the state through Principal, Require, RequireRead, ReadScope and
// AuthError (Require and RequireRead hand the decision to auth's one
// function, Policy.Authorize) and answers in its own way. The access log
// redacts anything shaped like a key, wherever the client put it.
//
// # Imports
//
// auth for the principal and the decision; never feed, index or a protocol
// package, which all import this one.
//
//	may import: std, auth, github.com/gorilla/mux, github.com/prometheus/client_golang/prometheus
package httpx
