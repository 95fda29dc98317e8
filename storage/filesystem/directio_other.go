//go:build !linux

package filesystem

import (
	"errors"
	"os"
)

// setDirectIO has nothing to switch where O_DIRECT does not exist: writes
// stay buffered.
func setDirectIO(f *os.File, on bool) error {
	if on {
		return errors.ErrUnsupported
	}
	return nil
}
