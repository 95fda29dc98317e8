package feed

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/nuget"
)

// SetDeprecation deprecates (d non-nil) or un-deprecates (d nil) versions
// of one NuGet package, all or none, with nuget.org's rules
// (PackageDeprecationManagementService.UpdateDeprecation in NuGetGallery;
// docs/protocol/nuget.md §14): at least one version, each of which exists
// (ErrNotFound otherwise); d passes CheckFor; the alternate package exists in
// the same space (ErrInvalid otherwise, as nuget.org answers 400). It
// returns the versions it changed, as catalogued, with their new deprecation.
func (f *Feed) SetDeprecation(ctx context.Context, space, id string, versions []string, d *nuget.Deprecation) ([]index.Entry, error) {
	space = CanonicalSpace(space)
	if len(versions) == 0 {
		return nil, &nuget.FieldError{Field: "deprecation", Err: errors.New("names no version")}
	}
	if err := checkLookup(id, ""); err != nil {
		return nil, err
	}
	all, err := f.catalog.Versions(ctx, space, index.KindNuGet, id)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	var changed []index.Entry
	var parsed []nuget.Version
	for _, s := range versions {
		if len(s) > maxLookupVersion {
			return nil, errLookupTooLong("version", maxLookupVersion)
		}
		v, err := nuget.ParseVersion(s)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(all, func(e index.Entry) bool { return e.Version.Equal(v) })
		if i < 0 {
			return nil, fmt.Errorf("%w: package %s %s in %s", ErrNotFound, id, s, space)
		}
		if !slices.ContainsFunc(changed, func(e index.Entry) bool { return e.Version.Equal(v) }) {
			changed = append(changed, all[i])
			parsed = append(parsed, v)
		}
	}
	if d != nil {
		if err := d.CheckFor(all[0].ID, parsed); err != nil {
			return nil, err
		}
		if err := f.checkAlternate(ctx, space, d.AlternatePackage); err != nil {
			return nil, err
		}
	}
	keys := make([]string, len(changed))
	for i, e := range changed {
		keys[i] = e.Version.String()
	}
	// The id's documents change whatever the outcome: a failure may come
	// after the database committed.
	defer f.changed(space, index.KindNuGet, all[0].ID.Lower())
	if err := f.catalog.SetDeprecation(ctx, space, index.KindNuGet, all[0].ID.Lower(), keys, d); err != nil {
		if errors.Is(err, index.ErrNotFound) { // deleted meanwhile
			return nil, fmt.Errorf("%w: a version of %s in %s: %w", ErrNotFound, id, space, err)
		}
		return nil, fmt.Errorf("set the deprecation of %s: %w", id, err)
	}
	for i := range changed {
		changed[i].Deprecation = d
	}
	return changed, nil
}

// checkAlternate refuses an alternate package that is not in the space:
// the version named, or any version when none is.
func (f *Feed) checkAlternate(ctx context.Context, space string, a *nuget.AlternatePackage) error {
	if a == nil {
		return nil
	}
	if a.Version != nil {
		_, err := f.catalog.Get(ctx, space, index.KindNuGet, string(a.ID), a.Version.String())
		switch {
		case errors.Is(err, index.ErrNotFound):
			return &nuget.FieldError{Field: "alternate package", Value: string(a.ID) + " " + a.Version.String(), Err: errors.New("is not in this feed")}
		case err != nil:
			return fmt.Errorf("look up the alternate package %s: %w", a.ID, err)
		}
		return nil
	}
	vs, err := f.catalog.Versions(ctx, space, index.KindNuGet, string(a.ID))
	if err != nil {
		return fmt.Errorf("look up the alternate package %s: %w", a.ID, err)
	}
	if len(vs) == 0 {
		return &nuget.FieldError{Field: "alternate package", Value: string(a.ID), Err: errors.New("is not in this feed")}
	}
	return nil
}
