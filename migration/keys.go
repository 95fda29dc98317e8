package migration

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/feedserver/feedserver/auth"
)

// copyKeyDatabase restores the source's spaces, settings, owners and keys
// in the target's key database. Spaces come first: a key's space list
// names them.
func (m *migration) copyKeyDatabase(ctx context.Context) error {
	spaces, err := m.from.Spaces.List(ctx)
	if err != nil {
		return fmt.Errorf("read the source key database: %w", err)
	}
	settings, err := m.from.Spaces.Settings(ctx)
	if err != nil {
		return fmt.Errorf("read the source key database: %w", err)
	}
	owners, err := m.from.Owners.List(ctx)
	if err != nil {
		return fmt.Errorf("read the source key database: %w", err)
	}
	keys, err := m.from.Keys.Records(ctx)
	if err != nil {
		return fmt.Errorf("read the source key database: %w", err)
	}
	names := slices.Sorted(maps.Keys(settings))
	steps := []struct {
		what  string
		count *Count
		n     int
		put   func(i int) (bool, error)
	}{
		{"spaces", &m.report.Spaces, len(spaces), func(i int) (bool, error) { return m.to.Spaces.Restore(ctx, spaces[i]) }},
		{"settings", &m.report.Settings, len(settings), func(i int) (bool, error) {
			return m.to.Spaces.RestoreSetting(ctx, names[i], settings[names[i]])
		}},
		{"owners", &m.report.Owners, len(owners), func(i int) (bool, error) { return m.to.Owners.Restore(ctx, owners[i]) }},
		{"API keys", &m.report.Keys, len(keys), func(i int) (bool, error) { return m.to.Keys.Restore(ctx, keys[i]) }},
	}
	for _, s := range steps {
		s.count.Source = int64(s.n)
		for i := range s.n {
			if err := ctx.Err(); err != nil {
				return interrupted(s.what, err)
			}
			added, err := s.put(i)
			if errors.Is(err, auth.ErrExists) {
				return fmt.Errorf("%w: %w", ErrMismatch, err)
			}
			if err != nil {
				return fmt.Errorf("copy %s: %w", s.what, err)
			}
			if added {
				s.count.Copied++
			} else {
				s.count.Same++
			}
		}
		if m.opts.Progress != nil {
			fmt.Fprintf(m.opts.Progress, "migrate: %s: %s\n", s.what, *s.count)
		}
	}
	return nil
}
