package nuget

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrInvalidPackage is the one sentinel every refusal of a package, manifest, id,
// version or file name wraps; protocols map it to 400.
var ErrInvalidPackage = errors.New("invalid package")

// FieldError is a refusal of one field of a package: its id, its version, a
// dependency, a file name. It matches ErrInvalidPackage with errors.Is.
//
// Error reads `the <Field> "<Value>" is not valid: <Err>` when Value is set,
// and `the <Field> <Err>` when it is not (for example "the package id is
// missing"), so Err is written to fit either sentence.
type FieldError struct {
	Field string // what was refused, in words: "package id", "version"
	Value string // the refused text; empty when quoting it would not help
	Err   error  // why
}

func (e *FieldError) Error() string {
	if e.Err == nil {
		return "the " + e.Field + " is not valid"
	}
	if e.Value == "" {
		return "the " + e.Field + " " + e.Err.Error()
	}
	return "the " + e.Field + " " + strconv.Quote(shorten(e.Value)) + " is not valid: " + e.Err.Error()
}

// Unwrap returns the reason, so callers can look further with errors.Is/As.
func (e *FieldError) Unwrap() error { return e.Err }

// Is reports that every FieldError is an invalid package.
func (e *FieldError) Is(target error) bool { return target == ErrInvalidPackage }

// invalidError is a refusal that concerns the package as a whole.
type invalidError struct {
	msg   string
	cause error // what a %w verb wrapped, if anything
}

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Unwrap() error        { return e.cause }
func (e *invalidError) Is(target error) bool { return target == ErrInvalidPackage }

// invalidf makes a refusal whose message is the formatted text with no prefix,
// because protocols show it to the user as it is. A %w verb keeps the cause
// reachable with errors.Is/As.
func invalidf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &invalidError{msg: err.Error(), cause: errors.Unwrap(err)}
}

// shorten keeps quoted values in messages readable when the input is huge.
func shorten(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// formatSize writes a byte count the way people read limits: "1 MiB", "512 KiB".
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	default:
		return strconv.FormatInt(n, 10) + " bytes"
	}
}
