package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/feedserver/feedserver/index"
)

// SQLSTATE codes this driver turns into the contract's errors
// (PostgreSQL's documentation, Appendix A "PostgreSQL Error Codes").
const (
	codeUniqueViolation = "23505"
	codeDiskFull        = "53100"
	codeTooManyConns    = "53300"
)

// classify adds the contract's meaning to an error from pgx: a full disk
// wraps syscall.ENOSPC (a push answers 507), a server that cannot be reached
// wraps index.ErrUnavailable (503). Anything else is returned as is.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case sqlState(err) == codeDiskFull:
		return fmt.Errorf("%w (%w)", err, syscall.ENOSPC)
	case Unavailable(err):
		return fmt.Errorf("%w: %w", index.ErrUnavailable, err)
	}
	return err
}

// classifyWrite is classify for a write under wctx (Catalog.write): the
// caller's cancellation cannot reach it, so a deadline is the write timeout,
// a server that stopped answering.
func classifyWrite(wctx context.Context, err error) error {
	if err != nil && wctx.Err() != nil && !errors.Is(err, index.ErrUnavailable) {
		return fmt.Errorf("%w: %w", index.ErrUnavailable, err)
	}
	return classify(err)
}

// Unavailable reports whether err says the PostgreSQL server cannot be
// reached or is not accepting work right now: a refused or broken
// connection, a server shutting down or starting up, no free connection
// slot. cmd uses it for the key store too, which reaches the same server
// through database/sql. A caller's own cancellation is not unavailability.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	if code := sqlState(err); code != "" {
		// Class 08: connection exception; 57P01-57P03: the server is shutting
		// down, crashed, or cannot accept connections yet.
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03" || code == codeTooManyConns
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// sqlState is the SQLSTATE of a server error, "" for any other error.
func sqlState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// exists reports a unique violation: the identity or the blob key is taken.
func exists(err error) bool { return sqlState(err) == codeUniqueViolation }
