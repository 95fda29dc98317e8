package generic

import (
	"context"
	"errors"
	"fmt"

	"github.com/feedserver/feedserver/auth"
)

// NoOwnerError refuses a push to an owner that does not exist by a caller
// who may not create it; its text says how to create one.
type NoOwnerError struct{ Owner string }

func (e *NoOwnerError) Error() string {
	return fmt.Sprintf("The owner %q does not exist. An administrator creates it by pushing to it first, or with: feedserver owner create %s",
		e.Owner, e.Owner)
}

// Is makes errors.Is(err, auth.ErrForbidden) true: a 403.
func (e *NoOwnerError) Is(target error) bool { return target == auth.ErrForbidden }

// EnsureOwner makes sure the owner (lowercase, auth.NormalizeOwner's form)
// exists before by pushes to it. Creating one is administering the
// registry: an administrator whose key reaches the owner (unrestricted, or
// limited to owners that include it; auth.Policy.Authorize decides) creates
// it on its first push; anyone else gets a *NoOwnerError. The caller has
// already checked that by may push to the owner. The owners live in auth's
// store with the keys (owners nil accepts every owner without recording it:
// servers without a key database, tests of other packages).
func (r *Registry) EnsureOwner(ctx context.Context, owners *auth.Owners, by auth.Principal, owner string) error {
	if owners == nil {
		return nil
	}
	exists, err := owners.Exists(ctx, owner)
	if err != nil {
		return err
	}
	if exists {
		return nil
	}
	// Administering is no read, so the read policy (auth.Policy.ReadsNeedKey) plays no part.
	if err := (auth.Policy{}).Authorize(by, auth.BuiltInFeedAdminister, auth.Target{Owner: owner}); err != nil {
		return &NoOwnerError{Owner: owner}
	}
	if _, err := owners.Create(ctx, owner); err != nil && !errors.Is(err, auth.ErrExists) {
		return err
	}
	r.log.Info("generic owner created by its first push", "owner", owner, "by", by.String())
	return nil
}
