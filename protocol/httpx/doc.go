// Package httpx holds what every wire protocol of the server shares: the
// per-request state (request id, route template, the authenticated
// principal), the middleware that fills it (request id, access log and
// metrics, panic recovery, authentication), the public base URL of a request,
// the one upload reader (Upload), and the one error path.
//
// The error path: handlers return errors (HandlerFunc), and each protocol
// family answers them through one Family. Its Fail finds the error's Class
// once, from the sentinels of feed and auth (class.go, the one table), takes
// that class's status (Class.Status, the same in every protocol), records
// the error for the access log, drains the body, logs server faults, and
// hands a Failure (class, status, the client-safe text of Quiet) to the
// family's own writer, which only words it. WriteJSON and WriteText are the
// writers the families share; HeaderText makes text fit for a header.
//
// Permissions are read through Principal, Require, RequireRead, ReadScope and
// AuthError (Require and RequireRead hand the decision to auth's one
// function, Policy.Authorize). The access log redacts anything shaped like a
// key, wherever the client put it.
//
// It owns no routes and no protocol's wording.
//
// # Imports
//
// auth for the principal and the decision, and feed for its sentinels (the
// one class table); never index, storage or a protocol package, which all
// import this one.
//
//	may import: std, auth, feed, github.com/gorilla/mux, github.com/prometheus/client_golang/prometheus
package httpx
