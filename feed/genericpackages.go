package feed

import (
	"context"
	"fmt"

	"github.com/feedserver/feedserver/index"
)

// GenericPackages lists generic packages for browsing (the web page), most
// recently updated first: owner "" is every owner, text "" every name, else
// names containing it. Total counts every match.
func (f *Feed) GenericPackages(ctx context.Context, owner, text string, skip, take int) ([]index.GenericPackage, int, error) {
	ps, total, err := f.catalog.GenericPackages(ctx, owner, text, max(skip, 0), take)
	if err != nil {
		return nil, 0, fmt.Errorf("list generic packages: %w", err)
	}
	return ps, total, nil
}
