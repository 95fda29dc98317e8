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
	// unrestricted administrator has it (see Policy.Authorize).
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
// purpose: Policy.Authorize grants it, since it also looks at the key's scope.
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
//
// Spaces and Owners are the key's scope. A key with neither list is
// unrestricted and reaches every space and every owner. A key with either
// list reaches exactly what its lists name: a key limited to spaces has no
// generic-registry owner at all unless it also names owners, and a key
// limited to owners is in no space (no NuGet or Octopus package) unless it
// also names spaces. Policy.Scope is the one place that reads them.
type Principal struct {
	KeyID     string
	Name      string
	Role      Role
	Spaces    []string // space ids ("Spaces-1") the key is limited to
	Owners    []string // generic-registry owners the key is limited to
	Anonymous bool
}

// Anonymous is the principal of a request without credentials: when the
// server allows anonymous reads it may view and download in every space and
// of every owner, nothing more.
func Anonymous() Principal {
	return Principal{Name: "anonymous", Role: RoleReader, Anonymous: true}
}

// Unrestricted reports whether the principal is a key with no space or
// owner list, the only kind that reaches everything.
func (p Principal) Unrestricted() bool {
	return !p.Anonymous && len(p.Spaces) == 0 && len(p.Owners) == 0
}

// Target is what an action applies to: a space (every NuGet and Octopus
// package lives in one), a generic-registry owner, or, with both empty, no
// package at all (discovery documents, the pages' frames, and with
// AdministerSystem the server itself: keys, spaces, re-index, retention).
type Target struct {
	Space string // an Octopus space id, "Spaces-2"
	Owner string // a generic-registry owner, "alpha"
}

// Policy is the server-wide part of every decision.
type Policy struct {
	// ReadsNeedKey refuses anonymous callers even reads (require-read-key=on).
	ReadsNeedKey bool
}

// Scope is where a principal may use one permission: every space or the
// listed ones, every owner or the listed ones. Listings keep what it holds.
type Scope struct {
	AllSpaces bool
	Spaces    []string // when !AllSpaces; may be empty: no space at all
	AllOwners bool
	Owners    []string // when !AllOwners; may be empty: no owner at all
}

// HasSpace reports whether the scope holds space (ids compare
// case-insensitively: a key stored with "spaces-2" holds "Spaces-2").
func (s Scope) HasSpace(space string) bool {
	return s.AllSpaces || containsFold(s.Spaces, strings.TrimSpace(space))
}

// HasOwner reports whether the scope holds owner (case-insensitive).
func (s Scope) HasOwner(owner string) bool {
	return s.AllOwners || containsFold(s.Owners, strings.TrimSpace(owner))
}

// Scope is THE rule of who may do what: where principal p may use
// permission perm, or the error every use of it gets. Authorize applies it
// to one target; listings filter by it. The error wraps ErrUnauthenticated
// for an anonymous caller (ask for a key) or is a *MissingPermissionError.
//
// The rules, in order:
//   - Anonymous callers may view and download everything, unless
//     ReadsNeedKey; nothing else.
//   - AdministerSystem needs the administrator role and an unrestricted key:
//     a restricted administrator could otherwise mint itself a wider key.
//   - Any other permission needs a role that grants it. An unrestricted key
//     then reaches every space and owner; a restricted one exactly the
//     spaces and owners its lists name (an empty list names none).
func (pol Policy) Scope(p Principal, perm Permission) (Scope, error) {
	everything := Scope{AllSpaces: true, AllOwners: true}
	switch {
	case p.Anonymous:
		if pol.ReadsNeedKey || !RoleReader.Can(perm) {
			return Scope{}, fmt.Errorf("auth: %s needs an API key: %w", perm, ErrUnauthenticated)
		}
		return everything, nil
	case perm == AdministerSystem:
		if p.Role != RoleAdministrator || !p.Unrestricted() {
			return Scope{}, &MissingPermissionError{Permission: perm}
		}
		return everything, nil
	case !p.Role.Can(perm):
		return Scope{}, &MissingPermissionError{Permission: perm}
	case p.Unrestricted():
		return everything, nil
	}
	return Scope{Spaces: slices.Clone(p.Spaces), Owners: slices.Clone(p.Owners)}, nil
}

// Authorize is the decision of whether principal p may use permission perm
// on target t; every protocol, the web pages and the admin API ask it. It
// returns nil, Scope's error, or an *OutOfScopeError (an ErrForbidden) when
// t lies outside the principal's scope. A target with no space and no owner needs
// the permission only.
func (pol Policy) Authorize(p Principal, perm Permission, t Target) error {
	s, err := pol.Scope(p, perm)
	if err != nil {
		return err
	}
	if t.Space != "" && !s.HasSpace(t.Space) {
		return &OutOfScopeError{Target: Target{Space: t.Space}}
	}
	if t.Owner != "" && !s.HasOwner(t.Owner) {
		return &OutOfScopeError{Target: Target{Owner: t.Owner}}
	}
	return nil
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

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
