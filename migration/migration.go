package migration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/index"
	"github.com/feedserver/feedserver/storage"
)

// ErrMismatch is returned (wrapped) when the target holds something else
// under a name the source uses (a blob with other bytes, a row with another
// file, a key with another digest), or when a copy does not read back as
// the source: the run stops rather than overwrite or guess.
var ErrMismatch = errors.New("migration: the target does not match the source")

// Backends is one side of a migration. In a target, a nil Store means the
// blobs stay in the source's store, a nil Catalog that the rows stay in the
// source's catalogue, and nil Keys, Spaces and Owners that the key
// database stays where it is. A source has all of them.
type Backends struct {
	Store   storage.Store
	Catalog index.Catalog
	Keys    *auth.Keys
	Spaces  *auth.Spaces
	Owners  *auth.Owners
}

// Options tune a run.
type Options struct {
	// Progress receives a line of counts and rates every Every while a
	// phase runs, and one when it ends; nil writes nothing.
	Progress io.Writer
	// Every is the time between progress lines; 0 means 2 seconds.
	Every time.Duration
	// Workers is how many blobs and rows are copied at once; 0 means 8
	// (a network store answers each request in milliseconds: the copy is
	// bound by round trips, not by the machine).
	Workers int
}

// Count is what happened to one kind of thing.
type Count struct {
	Source  int64 // in the source
	Copied  int64 // written to the target by this run
	Same    int64 // already in the target and identical
	Updated int64 // already in the target, brought in line (listed, downloads, file time, revocation)
	Bytes   int64 // blobs only: bytes copied by this run
}

func (c Count) String() string {
	return fmt.Sprintf("%d in the source: %d copied, %d already there, %d updated", c.Source, c.Copied, c.Same, c.Updated)
}

// Report is what a run did.
type Report struct {
	Blobs        Count
	Packages     Count // catalogue rows of NuGet packages and Octopus archives
	GenericFiles Count
	Keys         Count
	Spaces       Count
	Owners       Count
	Settings     Count
	Duration     time.Duration
}

// Run copies from into to and verifies the copy (see the package
// documentation). It returns what it did, also when it fails; an error
// wrapping ErrMismatch names what differs, and the caller's context error
// means the run was interrupted and may simply be run again.
func Run(ctx context.Context, from, to Backends, opts Options) (Report, error) {
	start := time.Now()
	if opts.Every <= 0 {
		opts.Every = 2 * time.Second
	}
	if opts.Workers <= 0 {
		opts.Workers = 8
	}
	if from.Store == nil || from.Catalog == nil || from.Keys == nil || from.Spaces == nil || from.Owners == nil {
		return Report{}, errors.New("migration: the source needs a store, a catalogue and a key database")
	}
	if to.Store == nil && to.Catalog == nil && to.Keys == nil {
		return Report{}, errors.New("migration: no target: give a store, a database or both")
	}
	if to.Keys != nil && (to.Spaces == nil || to.Owners == nil) {
		return Report{}, errors.New("migration: a target key database needs its Keys, Spaces and Owners")
	}
	m := &migration{from: from, to: to, opts: opts}
	err := m.run(ctx)
	m.report.Duration = time.Since(start)
	return m.report, err
}

type migration struct {
	from, to Backends
	opts     Options
	report   Report
	// modTimes holds the file time of every blob in the target store, by
	// key, once the blobs are copied: the rows take it.
	modTimes map[string]time.Time
}

func (m *migration) run(ctx context.Context) error {
	if m.to.Keys != nil {
		if err := m.copyKeyDatabase(ctx); err != nil { // keys.go
			return err
		}
	}
	if m.to.Store != nil {
		if err := m.copyBlobs(ctx); err != nil { // blobs.go
			return err
		}
	}
	// Rows move to the target catalogue, or stay and follow the blobs.
	rows := m.to.Catalog
	if rows == nil {
		if m.to.Store == nil {
			return nil
		}
		rows = m.from.Catalog
	}
	if err := m.copyPackages(ctx, rows); err != nil { // rows.go
		return err
	}
	if m.to.Catalog != nil {
		if err := m.copyGenericFiles(ctx); err != nil { // rows.go
			return err
		}
	}
	return m.verify(ctx, rows) // verify.go
}

// interrupted wraps a context error with what to do about it.
func interrupted(phase string, err error) error {
	return fmt.Errorf("migration interrupted while copying %s (run the same command again to finish): %w", phase, err)
}
