package auth

import "errors"

// ErrUnauthenticated means the request carried no credentials at all, or an
// anonymous caller asked for something that needs a key. Protocols answer 401.
var ErrUnauthenticated = errors.New("no credentials")

// ErrInvalidKey means a key was given but is malformed, unknown, revoked or
// expired. Octopus answers 401; NuGet push answers 403 so the client does not
// prompt for credentials it cannot use (NuGet.Client promptOn403: !hasApiKey).
var ErrInvalidKey = errors.New("invalid API key")

// ErrForbidden means the caller is known but lacks a permission, a space or an
// owner. Protocols answer 403.
var ErrForbidden = errors.New("forbidden")

// ErrNotFound is returned (wrapped) when a key id or name does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned (wrapped) when Create would store a key, or an active
// key name, that is already stored.
var ErrExists = errors.New("already exists")

// ErrUnavailable is returned (wrapped) when the key database's server
// cannot be reached (PostgreSQL down or restarting): the request may succeed
// later, so protocols answer 503. Only a DB made with PostgreSQL and an
// unavailable classifier returns it.
var ErrUnavailable = errors.New("auth: the key database is unavailable")

// ErrInvalidSpec is returned (wrapped) when Keys.Create refuses the
// description of a key: its name, role, expiry, spaces or owners. The error
// says which and why; the admin API answers 400 with it.
var ErrInvalidSpec = errors.New("invalid key description")

// MissingPermissionError is the 403 of a known caller lacking a permission.
// It matches ErrForbidden with errors.Is.
type MissingPermissionError struct {
	Permission Permission
}

// Error returns Octopus' own wording; octo and the Octopus API clients print
// it as is (OctopusClients PR #391).
func (e *MissingPermissionError) Error() string {
	return "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: " + string(e.Permission)
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *MissingPermissionError) Is(target error) bool {
	return target == ErrForbidden
}

// OutOfScopeError is the 403 of a known caller whose key does not reach the
// space or the owner of the request. It matches ErrForbidden with errors.Is;
// its text is for the client as is.
type OutOfScopeError struct {
	Target Target // the space or the owner the key does not reach
}

func (e *OutOfScopeError) Error() string {
	if e.Target.Space != "" {
		return "The API key may not act in space " + e.Target.Space + "."
	}
	return "The API key may not act for owner \"" + e.Target.Owner + "\"."
}

// Is makes errors.Is(err, ErrForbidden) true.
func (e *OutOfScopeError) Is(target error) bool {
	return target == ErrForbidden
}
