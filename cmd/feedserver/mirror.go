package main

import (
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/feed"
	"github.com/feedserver/feedserver/upstream"
)

// The pull-through mirror (issue 21; README, Mirroring an upstream feed):
// reading its rows of the configuration table (config.go) and the
// per-space file, and building one upstream client per mirrored space.

// mirrorSpace is one space's upstream as configured.
type mirrorSpace struct {
	upstream.Config
	Allow []string // ids whose pushed versions do not shadow the upstream's
	// Cache is the space's cache retention from the upstream file; nil
	// means the flags' (cache-max-age, cache-max-size) apply.
	Cache *feed.CacheRule
}

// mirrorConfig reads the upstream rows: the default space's from the flags
// and environment, the others' from the file. A credential given without a
// URL is refused: it would silently do nothing.
func mirrorConfig(values map[string]*string) (map[string]mirrorSpace, error) {
	out := map[string]mirrorSpace{}
	get := func(name string) string { return strings.TrimSpace(*values[name]) }
	if file := get("upstream-file"); file != "" {
		spaces, err := readMirrorFile(file)
		if err != nil {
			return nil, fmt.Errorf("upstream-file: %w", err)
		}
		out = spaces
	}
	u := get("upstream")
	if u == "" {
		for _, name := range []string{"upstream-username", "upstream-password", "upstream-api-key", "upstream-allow"} {
			if get(name) != "" {
				return nil, fmt.Errorf("%s is set but upstream is not", name)
			}
		}
		return out, nil
	}
	m := mirrorSpace{Config: upstream.Config{ServiceIndex: u, Username: get("upstream-username"),
		Password: *values["upstream-password"], APIKey: *values["upstream-api-key"]}}
	var err error
	if m.Timeout, err = positiveDuration(get("upstream-timeout")); err != nil {
		return nil, fmt.Errorf("upstream-timeout: %w", err)
	}
	if m.MetadataTTL, err = positiveDuration(get("upstream-metadata-ttl")); err != nil {
		return nil, fmt.Errorf("upstream-metadata-ttl: %w", err)
	}
	for _, id := range strings.Split(get("upstream-allow"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			m.Allow = append(m.Allow, id)
		}
	}
	if err := m.Check(); err != nil {
		return nil, err
	}
	if _, dup := out[feed.DefaultSpace]; dup {
		return nil, fmt.Errorf("upstream: %s has an upstream in both the flags and upstream-file", feed.DefaultSpace)
	}
	out[feed.DefaultSpace] = m
	return out, nil
}

func positiveDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 10s", s)
	}
	return d, nil
}

// mirrorFileSpace is one space in the upstream file.
type mirrorFileSpace struct {
	URL         string   `json:"url"`
	Username    string   `json:"username"`
	Password    string   `json:"password"`
	APIKey      string   `json:"apiKey"`
	Timeout     string   `json:"timeout"`
	MetadataTTL string   `json:"metadataTtl"`
	Allow       []string `json:"allow"`
	// CacheMaxAge and CacheMaxSize replace -cache-max-age and
	// -cache-max-size for this space when either is given.
	CacheMaxAge  *string `json:"cacheMaxAge"`
	CacheMaxSize *string `json:"cacheMaxSize"`
}

// readMirrorFile reads the per-space upstreams:
//
//	{"spaces": {"Spaces-2": {"url": "https://api.nuget.org/v3/index.json",
//	    "apiKey": "…", "timeout": "10s", "metadataTtl": "5m", "allow": ["Contoso.Tools"],
//	    "cacheMaxAge": "30d", "cacheMaxSize": "10GiB"}}}
//
// Unknown fields are refused, as in the retention file, so a typo never
// silently leaves a setting out.
func readMirrorFile(path string) (map[string]mirrorSpace, error) {
	var file struct {
		Spaces map[string]mirrorFileSpace `json:"spaces"`
	}
	if err := readStrictJSON(path, &file); err != nil {
		return nil, err
	}
	out := make(map[string]mirrorSpace, len(file.Spaces))
	for name, s := range file.Spaces {
		space, _, ok := auth.ParseSpaceID(name)
		if !ok {
			return nil, fmt.Errorf("%s: %q is not a space id such as Spaces-2", path, name)
		}
		var err error
		m := mirrorSpace{Config: upstream.Config{ServiceIndex: s.URL, Username: s.Username, Password: s.Password, APIKey: s.APIKey},
			Allow: s.Allow}
		for _, d := range []struct {
			text string
			dst  *time.Duration
		}{{s.Timeout, &m.Timeout}, {s.MetadataTTL, &m.MetadataTTL}} {
			if d.text == "" {
				continue
			}
			if *d.dst, err = positiveDuration(d.text); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, space, err)
			}
		}
		if err := m.Check(); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, space, err)
		}
		if s.CacheMaxAge != nil || s.CacheMaxSize != nil {
			r, err := cacheRule(deref(s.CacheMaxAge), deref(s.CacheMaxSize))
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", path, space, err)
			}
			m.Cache = &r
		}
		out[space] = m
	}
	return out, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// mirrors builds one upstream client per mirrored space, for feed.Options.
func mirrors(spaces map[string]mirrorSpace, maxPackage int64, log *slog.Logger, reg prometheus.Registerer) (map[string]feed.Mirror, error) {
	if len(spaces) == 0 {
		return nil, nil
	}
	metrics, err := upstream.NewMetrics(reg)
	if err != nil {
		return nil, err
	}
	out := make(map[string]feed.Mirror, len(spaces))
	for space, m := range spaces {
		cfg := m.Config
		if cfg.MaxPackageSize == 0 {
			cfg.MaxPackageSize = maxPackage
		}
		c, err := upstream.New(cfg, upstream.Options{Logger: log, Metrics: metrics, Label: space})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", space, err)
		}
		log.Info("mirroring an upstream feed", "space", space, "upstream", c.URL(), "allow", m.Allow)
		out[space] = feed.Mirror{Upstream: c, Allow: m.Allow}
	}
	return out, nil
}
