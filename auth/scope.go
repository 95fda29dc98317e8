package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// maxScopeEntries bounds each restriction list of a key: checking one costs
// a lookup per entry, and no real key names more.
const maxScopeEntries = 100

// checkSpaces validates the space list of a new key and returns it in its
// stored form: canonical ids ("spaces-02" is "Spaces-2"), each once, by
// number. Every entry must name a space that exists; an empty entry is
// refused rather than dropped, since a list left empty would make the key
// unrestricted.
func (k *Keys) checkSpaces(ctx context.Context, list []string) ([]string, error) {
	if len(list) > maxScopeEntries {
		return nil, fmt.Errorf("%w: a key may be limited to at most %d spaces", ErrInvalidSpec, maxScopeEntries)
	}
	var numbers []int64
	for _, raw := range list {
		id := strings.TrimSpace(raw)
		n, ok := spaceNumber(id)
		if !ok {
			return nil, fmt.Errorf("%w: %q is not a space id (Spaces-N, as `feedserver space list` shows)", ErrInvalidSpec, raw)
		}
		if slices.Contains(numbers, n) {
			continue
		}
		if _, err := k.spaces.Get(ctx, id); errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("%w: the space %s does not exist", ErrInvalidSpec, canonicalSpaceID(n))
		} else if err != nil {
			return nil, fmt.Errorf("auth: checking the key's spaces: %w", err)
		}
		numbers = append(numbers, n)
	}
	slices.Sort(numbers)
	var out []string
	for _, n := range numbers {
		out = append(out, canonicalSpaceID(n))
	}
	return out, nil
}

// checkOwners validates the owner list of a new key and returns it in its
// stored form: lowercase names, each once, sorted. The owners need not exist
// yet (an administrator limited to an owner creates it by pushing to it), but
// each must be a name an owner can have.
func checkOwners(list []string) ([]string, error) {
	if len(list) > maxScopeEntries {
		return nil, fmt.Errorf("%w: a key may be limited to at most %d owners", ErrInvalidSpec, maxScopeEntries)
	}
	var out []string
	for _, raw := range list {
		name, err := NormalizeOwner(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidSpec, err)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

func canonicalSpaceID(n int64) string { return "Spaces-" + strconv.FormatInt(n, 10) }
