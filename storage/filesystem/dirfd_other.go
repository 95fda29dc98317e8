//go:build !linux

package filesystem

import (
	"errors"
	"os"
	"sync"
)

// dirFDs is Linux's fast commit; elsewhere every commit takes the portable path.
type dirFDs struct{}

func openDirFDs(string) *dirFDs { return nil }

func (d *dirFDs) close() error { return nil }

func (d *dirFDs) createTemp(string) (*os.File, error) { return nil, errors.ErrUnsupported }

func (d *dirFDs) rename(*sync.RWMutex, string, string, bool) (syncDir func() error, ok bool) {
	return nil, false
}
