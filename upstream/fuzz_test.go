package upstream

import (
	"encoding/json"
	"testing"
)

// FuzzRegistrationPage: whatever an upstream sends as a registration page,
// reading its leaves never panics, and every entry it accepts has an id, a
// version and a manifest that names them.
func FuzzRegistrationPage(f *testing.F) {
	f.Add([]byte(`{"items":[{"catalogEntry":{"id":"A","version":"1.0.0","authors":["x","y"],"tags":"a b","listed":false,
		"dependencyGroups":[{"targetFramework":"net45","dependencies":[{"id":"B","range":"[1.0, 2.0)"}]}]}}]}`))
	f.Add([]byte(`{"items":[{"catalogEntry":{"id":"A","version":"not a version"}}]}`))
	f.Add([]byte(`{"items":[{"catalogEntry":{"id":"","version":"1.0","dependencyGroups":[{"dependencies":[{"id":"B","range":"(,"}]}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p regPage
		if json.Unmarshal(data, &p) != nil {
			return
		}
		for _, l := range p.Items {
			e, err := l.CatalogEntry.entry()
			if err != nil {
				continue
			}
			if e.ID == "" || e.Manifest == nil || e.Manifest.ID != e.ID || !e.Manifest.Version.Equal(e.Version) {
				t.Fatalf("accepted %+v", e)
			}
		}
	})
}
