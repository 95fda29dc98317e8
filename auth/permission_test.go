package auth

import (
	"errors"
	"slices"
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

func TestPermissionMatrix(t *testing.T) {
	perms := []Permission{BuiltInFeedPush, BuiltInFeedAdminister, BuiltInFeedDownload, FeedView, AdministerSystem, "Unknown", ""}
	tests := []struct {
		name string
		p    Principal
		want []Permission
	}{
		{"administrator", Principal{Role: RoleAdministrator}, []Permission{BuiltInFeedPush, BuiltInFeedAdminister, BuiltInFeedDownload, FeedView, AdministerSystem}},
		{"space-restricted administrator", Principal{Role: RoleAdministrator, Spaces: []string{"Spaces-2"}}, []Permission{BuiltInFeedPush, BuiltInFeedAdminister, BuiltInFeedDownload, FeedView}},
		{"owner-restricted administrator", Principal{Role: RoleAdministrator, Owners: []string{"team"}}, []Permission{BuiltInFeedPush, BuiltInFeedAdminister, BuiltInFeedDownload, FeedView}},
		{"publisher", Principal{Role: RolePublisher}, []Permission{BuiltInFeedPush, BuiltInFeedDownload, FeedView}},
		{"reader", Principal{Role: RoleReader}, []Permission{BuiltInFeedDownload, FeedView}},
		{"anonymous", Anonymous(), []Permission{BuiltInFeedDownload, FeedView}},
		{"anonymous with admin role", Principal{Role: RoleAdministrator, Anonymous: true}, []Permission{BuiltInFeedDownload, FeedView}},
		{"zero principal", Principal{}, nil},
		{"unknown role", Principal{Role: "root"}, nil},
	}
	for _, tt := range tests {
		for _, perm := range perms {
			t.Run(tt.name+"/"+string(perm), func(t *testing.T) {
				want := slices.Contains(tt.want, perm)
				if got := tt.p.Can(perm); got != want {
					t.Errorf("Can(%q) = %v, want %v", perm, got, want)
				}
				err := tt.p.Require(perm)
				if (err == nil) != want {
					t.Errorf("Require(%q) = %v, want error %v", perm, err, !want)
				}
			})
		}
	}
}

func TestIsAdmin(t *testing.T) {
	tests := []struct {
		name string
		p    Principal
		want bool
	}{
		{"administrator", Principal{Role: RoleAdministrator}, true},
		{"restricted to a space", Principal{Role: RoleAdministrator, Spaces: []string{"Spaces-1"}}, false},
		{"restricted to an owner", Principal{Role: RoleAdministrator, Owners: []string{"me"}}, false},
		{"publisher", Principal{Role: RolePublisher}, false},
		{"anonymous", Principal{Role: RoleAdministrator, Anonymous: true}, false},
		{"zero", Principal{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.IsAdmin(); got != tt.want {
				t.Errorf("IsAdmin() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestInSpaceAndCanOwner(t *testing.T) {
	all := Principal{Role: RoleReader}
	some := Principal{Role: RoleReader, Spaces: []string{"Spaces-1", "Spaces-3"}, Owners: []string{"Team-A"}}
	tests := []struct {
		name  string
		p     Principal
		value string
		space bool
		owner bool
	}{
		{"unrestricted", all, "Spaces-9", true, true},
		{"listed", some, "Spaces-1", true, false},
		{"listed other case", some, "spaces-3", true, false},
		{"listed with blanks", some, " SPACES-1 ", true, false},
		{"not listed", some, "Spaces-2", false, false},
		{"empty", some, "", false, false},
		{"owner", some, "team-a", false, true},
		{"owner prefix", some, "team", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.InSpace(tt.value); got != tt.space {
				t.Errorf("InSpace(%q) = %v, want %v", tt.value, got, tt.space)
			}
			if got := tt.p.CanOwner(tt.value); got != tt.owner {
				t.Errorf("CanOwner(%q) = %v, want %v", tt.value, got, tt.owner)
			}
		})
	}
}

func TestNormalizeSpaces(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, nil},
		{"only blanks", []string{"", "  "}, nil},
		{"trim and sort", []string{" Spaces-2", "Spaces-1 "}, []string{"Spaces-1", "Spaces-2"}},
		{"dedupe keeps first spelling", []string{"Spaces-1", "spaces-1", "SPACES-1"}, []string{"Spaces-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NormalizeSpaces(tt.in)
			if !slices.Equal(got, tt.want) {
				t.Errorf("NormalizeSpaces(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := NormalizeOwners(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("NormalizeOwners(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMissingPermissionError(t *testing.T) {
	err := Principal{KeyID: "apikeys-x", Role: RoleReader}.Require(BuiltInFeedPush)
	want := "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: BuiltInFeedPush"
	if err == nil || err.Error() != want {
		t.Fatalf("Require(BuiltInFeedPush) = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrForbidden) {
		t.Errorf("errors.Is(%v, ErrForbidden) = false, want true", err)
	}
	var mpe *MissingPermissionError
	if !errors.As(err, &mpe) || mpe.Permission != BuiltInFeedPush {
		t.Errorf("errors.As gave %+v, want Permission BuiltInFeedPush", mpe)
	}
	if errors.Is(err, ErrUnauthenticated) {
		t.Errorf("errors.Is(%v, ErrUnauthenticated) = true, want false", err)
	}

	anon := Anonymous().Require(BuiltInFeedPush)
	if !errors.Is(anon, ErrUnauthenticated) || errors.Is(anon, ErrForbidden) {
		t.Errorf("anonymous Require(BuiltInFeedPush) = %v, want ErrUnauthenticated only", anon)
	}
}
