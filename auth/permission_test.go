package auth

import (
	"errors"
	"fmt"
	"testing"
)

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"administrator", RoleAdministrator, false},
		{"Admin", RoleAdministrator, false},
		{" ADMINISTRATOR ", RoleAdministrator, false},
		{"publisher", RolePublisher, false},
		{"Publisher", RolePublisher, false},
		{"reader", RoleReader, false},
		{"READER", RoleReader, false},
		{"", "", true},
		{"root", "", true},
		{"readers", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseRole(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseRole(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestAuthorize is the decision table of Policy.Authorize: every kind of
// principal, every permission, on a space, an owner and no target, with
// reads open and closed.
func TestAuthorize(t *testing.T) {
	var (
		admin      = Principal{KeyID: "k", Role: RoleAdministrator}
		publisher  = Principal{KeyID: "k", Role: RolePublisher}
		reader     = Principal{KeyID: "k", Role: RoleReader}
		spaceAdmin = Principal{KeyID: "k", Role: RoleAdministrator, Spaces: []string{"Spaces-2"}}
		ownerAdmin = Principal{KeyID: "k", Role: RoleAdministrator, Owners: []string{"alpha"}}
		bothAdmin  = Principal{KeyID: "k", Role: RoleAdministrator, Spaces: []string{"Spaces-2"}, Owners: []string{"alpha"}}
		spaceRead  = Principal{KeyID: "k", Role: RoleReader, Spaces: []string{"spaces-2"}} // stored before ids were canonical
		anonymous  = Anonymous()
		anonAdmin  = Principal{Role: RoleAdministrator, Anonymous: true}
	)
	var (
		none   = Target{}
		space1 = Target{Space: "Spaces-1"}
		space2 = Target{Space: "Spaces-2"}
		alpha  = Target{Owner: "alpha"}
		beta   = Target{Owner: "beta"}
	)
	const (
		ok     = "ok"
		unauth = "401"   // ErrUnauthenticated
		perm   = "perm"  // *MissingPermissionError
		scope  = "scope" // *OutOfScopeError naming the target
	)
	tests := []struct {
		name   string
		p      Principal
		perm   Permission
		t      Target
		open   string // ReadsNeedKey false
		closed string // ReadsNeedKey true
	}{
		{"anonymous views anything when reads are open", anonymous, FeedView, space1, ok, unauth},
		{"anonymous downloads a generic file", anonymous, BuiltInFeedDownload, beta, ok, unauth},
		{"anonymous on no target", anonymous, FeedView, none, ok, unauth},
		{"anonymous never pushes", anonymous, BuiltInFeedPush, space1, unauth, unauth},
		{"anonymous never deletes", anonymous, BuiltInFeedAdminister, alpha, unauth, unauth},
		{"anonymous never administers", anonymous, AdministerSystem, none, unauth, unauth},
		{"anonymous with an admin role still only reads", anonAdmin, BuiltInFeedPush, space1, unauth, unauth},

		{"reader downloads", reader, BuiltInFeedDownload, space2, ok, ok},
		{"reader reads an owner", reader, FeedView, alpha, ok, ok},
		{"reader may not push", reader, BuiltInFeedPush, space1, perm, perm},
		{"publisher pushes anywhere", publisher, BuiltInFeedPush, beta, ok, ok},
		{"publisher may not delete", publisher, BuiltInFeedAdminister, space1, perm, perm},
		{"publisher may not administer", publisher, AdministerSystem, none, perm, perm},
		{"administrator deletes", admin, BuiltInFeedAdminister, space2, ok, ok},
		{"administrator administers", admin, AdministerSystem, none, ok, ok},

		{"space admin in its space", spaceAdmin, BuiltInFeedAdminister, space2, ok, ok},
		{"space admin in another space", spaceAdmin, BuiltInFeedAdminister, space1, scope, scope},
		{"space admin reads another space", spaceAdmin, FeedView, space1, scope, scope},
		{"space admin has no owner", spaceAdmin, BuiltInFeedPush, alpha, scope, scope},
		{"space admin may not read an owner", spaceAdmin, BuiltInFeedDownload, beta, scope, scope},
		{"space admin on no target", spaceAdmin, FeedView, none, ok, ok},
		{"space admin may not administer", spaceAdmin, AdministerSystem, none, perm, perm},
		{"space list compares ids in any case", spaceRead, BuiltInFeedDownload, Target{Space: "SPACES-2"}, ok, ok},
		{"space list is not a prefix match", spaceRead, BuiltInFeedDownload, Target{Space: "Spaces-20"}, scope, scope},

		{"owner admin on its owner", ownerAdmin, BuiltInFeedAdminister, alpha, ok, ok},
		{"owner admin on another owner", ownerAdmin, BuiltInFeedAdminister, beta, scope, scope},
		{"owner admin is in no space", ownerAdmin, BuiltInFeedAdminister, space1, scope, scope},
		{"owner admin may not read a space", ownerAdmin, FeedView, space2, scope, scope},
		{"owner admin may not administer", ownerAdmin, AdministerSystem, none, perm, perm},
		{"owner compare ignores case", ownerAdmin, BuiltInFeedPush, Target{Owner: "Alpha"}, ok, ok},

		{"both lists: the space", bothAdmin, BuiltInFeedPush, space2, ok, ok},
		{"both lists: the owner", bothAdmin, BuiltInFeedPush, alpha, ok, ok},
		{"both lists: another space", bothAdmin, BuiltInFeedPush, space1, scope, scope},
		{"both lists: another owner", bothAdmin, BuiltInFeedPush, beta, scope, scope},
		{"role is checked before scope", Principal{KeyID: "k", Role: RoleReader, Spaces: []string{"Spaces-2"}}, BuiltInFeedPush, space1, perm, perm},

		{"zero principal", Principal{}, FeedView, none, perm, perm},
		{"unknown role", Principal{KeyID: "k", Role: "root"}, BuiltInFeedDownload, space1, perm, perm},
		{"unknown permission", admin, "Unknown", none, perm, perm},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			pol  Policy
			want string
		}{{Policy{}, tt.open}, {Policy{ReadsNeedKey: true}, tt.closed}} {
			t.Run(fmt.Sprintf("%s/ReadsNeedKey=%v", tt.name, mode.pol.ReadsNeedKey), func(t *testing.T) {
				err := mode.pol.Authorize(tt.p, tt.perm, tt.t)
				var missing *MissingPermissionError
				var outside *OutOfScopeError
				got := ok
				switch {
				case err == nil:
				case errors.Is(err, ErrUnauthenticated) && !errors.Is(err, ErrForbidden):
					got = unauth
				case errors.As(err, &missing) && missing.Permission == tt.perm:
					got = perm
				case errors.As(err, &outside) && errors.Is(err, ErrForbidden) &&
					(outside.Target == Target{Space: tt.t.Space} || outside.Target == Target{Owner: tt.t.Owner}):
					got = scope
				default:
					t.Fatalf("Authorize = %v: not one of the documented errors", err)
				}
				if got != mode.want {
					t.Errorf("Authorize(%+v, %s, %+v) = %v (%s), want %s", tt.p, tt.perm, tt.t, err, got, mode.want)
				}
			})
		}
	}
}

func TestUnrestricted(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		want bool
	}{
		{"no lists", Principal{Role: RoleReader}, true},
		{"spaces", Principal{Role: RoleAdministrator, Spaces: []string{"Spaces-1"}}, false},
		{"owners", Principal{Role: RoleAdministrator, Owners: []string{"me"}}, false},
		{"anonymous", Anonymous(), false},
	}
	for _, tt := range tests {
		if got := tt.p.Unrestricted(); got != tt.want {
			t.Errorf("%s: Unrestricted() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMissingPermissionError(t *testing.T) {
	err := Policy{}.Authorize(Principal{KeyID: "apikeys-x", Role: RoleReader}, BuiltInFeedPush, Target{})
	want := "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: BuiltInFeedPush"
	if err == nil || err.Error() != want {
		t.Fatalf("Authorize(BuiltInFeedPush) = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrForbidden) {
		t.Errorf("errors.Is(%v, ErrForbidden) = false, want true", err)
	}
	if errors.Is(err, ErrUnauthenticated) {
		t.Errorf("errors.Is(%v, ErrUnauthenticated) = true, want false", err)
	}
}

func TestOutOfScopeErrorText(t *testing.T) {
	p := Principal{KeyID: "k", Role: RoleAdministrator, Spaces: []string{"Spaces-2"}}
	for _, tt := range []struct {
		t    Target
		want string
	}{
		{Target{Space: "Spaces-1"}, "The API key may not act in space Spaces-1."},
		{Target{Owner: "beta"}, `The API key may not act for owner "beta".`},
	} {
		if err := (Policy{}).Authorize(p, FeedView, tt.t); err == nil || err.Error() != tt.want {
			t.Errorf("Authorize(%+v) = %v, want %q", tt.t, err, tt.want)
		}
	}
}
