package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Permission is an Octopus permission name (OctopusClients Model/Permission.cs).
type Permission string

const (
	// BuiltInFeedPush: push new packages to the built-in repository.
	BuiltInFeedPush Permission = "BuiltInFeedPush"
	// BuiltInFeedAdminister: replace or delete packages in the built-in repository.
	BuiltInFeedAdminister Permission = "BuiltInFeedAdminister"
	// BuiltInFeedDownload: retrieve the contents of packages.
	BuiltInFeedDownload Permission = "BuiltInFeedDownload"
	// FeedView: list and view feeds and packages.
	FeedView Permission = "FeedView"
	// AdministerSystem: manage API keys and spaces, trigger a re-index. Only an
	// unrestricted administrator has it (see Principal.IsAdmin).
	AdministerSystem Permission = "AdministerSystem"
)

// Role bundles permissions; every key carries exactly one.
type Role string

const (
	RoleAdministrator Role = "administrator" // everything, plus managing keys, spaces and re-index
	RolePublisher     Role = "publisher"     // push, download, view
	RoleReader        Role = "reader"        // download, view
)

// rolePermissions lists what each role grants. AdministerSystem is missing on
// purpose: it goes through Principal.IsAdmin, which also looks at restrictions.
func rolePermissions(r Role) []Permission {
	switch r {
	case RoleAdministrator:
		return []Permission{BuiltInFeedPush, BuiltInFeedAdminister, BuiltInFeedDownload, FeedView}
	case RolePublisher:
		return []Permission{BuiltInFeedPush, BuiltInFeedDownload, FeedView}
	case RoleReader:
		return []Permission{BuiltInFeedDownload, FeedView}
	}
	return nil
}

// ParseRole reads a role name, case-insensitively: administrator (or admin),
// publisher, reader.
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "administrator", "admin":
		return RoleAdministrator, nil
	case "publisher":
		return RolePublisher, nil
	case "reader":
		return RoleReader, nil
	}
	return "", fmt.Errorf("auth: unknown role %q (want administrator, publisher or reader)", s)
}

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool {
	return rolePermissions(r) != nil
}

// Can reports whether the role grants p. AdministerSystem is never granted by
// a role alone.
func (r Role) Can(p Permission) bool {
	return slices.Contains(rolePermissions(r), p)
}

// Principal is who a request acts as. The zero Principal can do nothing.
type Principal struct {
	KeyID     string
	Name      string
	Role      Role
	Spaces    []string // space ids ("Spaces-1"); empty means every space
	Owners    []string // generic-registry namespaces; empty means every owner
	Anonymous bool
}

// Anonymous is the principal of a request without credentials when the server
// allows anonymous reads: it may view and download in every space, nothing more.
func Anonymous() Principal {
	return Principal{Name: "anonymous", Role: RoleReader, Anonymous: true}
}

// Can reports whether the principal holds permission p (spaces and owners are
// checked separately with InSpace and CanOwner).
func (p Principal) Can(perm Permission) bool {
	if perm == AdministerSystem {
		return p.IsAdmin()
	}
	if p.Anonymous {
		// Whatever Role was set, anonymous callers only ever read.
		return RoleReader.Can(perm)
	}
	return p.Role.Can(perm)
}

// IsAdmin reports whether the principal may administer the server (keys,
// spaces, re-index). It needs the administrator role with no space or owner
// restriction: a restricted administrator could otherwise mint itself an
// unrestricted key.
func (p Principal) IsAdmin() bool {
	return !p.Anonymous && p.Role == RoleAdministrator && len(p.Spaces) == 0 && len(p.Owners) == 0
}

// InSpace reports whether the principal may act in space (ids compare
// case-insensitively, so "spaces-1" is "Spaces-1").
func (p Principal) InSpace(space string) bool {
	return len(p.Spaces) == 0 || containsFold(p.Spaces, strings.TrimSpace(space))
}

// CanOwner reports whether the principal may act on the generic-registry
// namespace owner (case-insensitive).
func (p Principal) CanOwner(owner string) bool {
	return len(p.Owners) == 0 || containsFold(p.Owners, strings.TrimSpace(owner))
}

// Require returns nil if the principal holds perm. Otherwise it returns
// ErrUnauthenticated (wrapped) for an anonymous caller, so the protocol asks
// for a key, and a *MissingPermissionError (an ErrForbidden) for a known one.
func (p Principal) Require(perm Permission) error {
	if p.Can(perm) {
		return nil
	}
	if p.Anonymous {
		return fmt.Errorf("auth: %s needs an API key: %w", perm, ErrUnauthenticated)
	}
	return &MissingPermissionError{Permission: perm}
}

// String names the principal for logs; it never holds a key.
func (p Principal) String() string {
	if p.Anonymous {
		return "anonymous"
	}
	return fmt.Sprintf("%s (%s, %s)", p.KeyID, p.Name, p.Role)
}

func (p Principal) clone() Principal {
	p.Spaces = slices.Clone(p.Spaces)
	p.Owners = slices.Clone(p.Owners)
	return p
}

// NormalizeSpaces trims space ids, drops empty ones and duplicates (compared
// case-insensitively, first spelling kept) and sorts the rest. An empty
// result means "every space".
func NormalizeSpaces(spaces []string) []string {
	return normalizeList(spaces)
}

// NormalizeOwners does for generic-registry owners what NormalizeSpaces does
// for spaces. An empty result means "every owner".
func NormalizeOwners(owners []string) []string {
	return normalizeList(owners)
}

func normalizeList(in []string) []string {
	var out []string
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s == "" || containsFold(out, s) {
			continue
		}
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b string) int {
		return strings.Compare(strings.ToLower(a), strings.ToLower(b))
	})
	return out
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
