package row

import (
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/feedserver/feedserver/nuget"
)

// The deprecation column holds this JSON shape, ours for the reason the
// manifest's is (manifest.go): the alternate's version is written as text.
// NULL is no deprecation.
type deprecationJSON struct {
	Reasons          []nuget.DeprecationReason `json:"reasons"`
	Message          string                    `json:"message,omitempty"`
	AlternateID      string                    `json:"alternateId,omitempty"`
	AlternateVersion string                    `json:"alternateVersion,omitempty"`
}

// EncodeDeprecation is the deprecation column's value for d.
func EncodeDeprecation(d *nuget.Deprecation) (sql.NullString, error) {
	if d == nil {
		return sql.NullString{}, nil
	}
	j := deprecationJSON{Reasons: d.Reasons, Message: d.Message}
	if a := d.AlternatePackage; a != nil {
		j.AlternateID = string(a.ID)
		if a.Version != nil {
			j.AlternateVersion = a.Version.Original()
		}
	}
	b, err := json.Marshal(j)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("index: encode deprecation: %w", err)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// decodeDeprecation reads what EncodeDeprecation wrote.
func decodeDeprecation(s sql.NullString) (*nuget.Deprecation, error) {
	if !s.Valid {
		return nil, nil
	}
	var j deprecationJSON
	if err := json.Unmarshal([]byte(s.String), &j); err != nil {
		return nil, err
	}
	d := &nuget.Deprecation{Reasons: j.Reasons, Message: j.Message}
	if j.AlternateID != "" {
		d.AlternatePackage = &nuget.AlternatePackage{ID: nuget.ID(j.AlternateID)}
		if j.AlternateVersion != "" {
			v, err := nuget.ParseVersion(j.AlternateVersion)
			if err != nil {
				return nil, fmt.Errorf("alternate version: %w", err)
			}
			d.AlternatePackage.Version = &v
		}
	}
	return d, nil
}
