package index

import (
	"fmt"
	"strconv"
)

// changeCursorKey records, inside the search index, the number of the last
// change of a shared catalogue's change log (ChangeLog) that the index
// reflects, so a process that restarts catches up from there instead of
// rebuilding. It is stored like the documents, so an unclean stop, which
// makes the index suspect (Rebuilt), makes the cursor suspect too.
var changeCursorKey = []byte("feedserver.changeCursor")

// ChangeCursor returns the change-log number SetChangeCursor recorded; false
// when none is recorded.
func (s *Search) ChangeCursor() (int64, bool) {
	v, err := s.idx.GetInternal(changeCursorKey)
	if err != nil || len(v) == 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// SetChangeCursor records that the index reflects every change up to n; a
// negative n forgets the cursor (the index is being rebuilt).
func (s *Search) SetChangeCursor(n int64) error {
	var err error
	if n < 0 {
		err = s.idx.DeleteInternal(changeCursorKey)
	} else {
		err = s.idx.SetInternal(changeCursorKey, []byte(strconv.FormatInt(n, 10)))
	}
	if err != nil {
		return fmt.Errorf("index: search change cursor: %w", err)
	}
	return nil
}
