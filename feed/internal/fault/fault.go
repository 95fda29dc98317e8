package fault

import (
	"errors"

	"github.com/feedserver/feedserver/nuget"
)

var (
	ErrNotFound  = errors.New("not found")
	ErrExists    = errors.New("already exists")
	ErrTooLarge  = errors.New("too large")
	ErrForbidden = errors.New("forbidden")
	// ErrInvalid is nuget's sentinel: every refused package, manifest or name wraps it.
	ErrInvalid = nuget.ErrInvalidPackage
)
