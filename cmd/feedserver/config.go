package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/feedserver/feedserver/feed"
)

// config is everything the server reads from flags and the environment.
// Flags win over the environment; the README has the table.
type config struct {
	Listen string
	Data   string
	// Database is "" for SQLite files in the data folder (catalog.db,
	// keys.db), or a PostgreSQL connection string for the catalogue and the
	// keys, spaces and owners (database.go).
	Database string
	// Storage is where the packages are: "" (the data folder's packages/),
	// another folder, or s3://BUCKET/PREFIX.
	Storage        string
	PublicURL      string
	AdminAPIKey    string
	MaxUpload      int64
	Reindex        bool
	RequireReadKey bool
	DeleteMode     string
	LogLevel       string
	LogFormat      string
	// Retention is the policy the scheduler, the retention sub-command and
	// POST /api/admin/retention apply; RetentionInterval 0 means no schedule.
	Retention         feed.RetentionPolicy
	RetentionInterval time.Duration
	// UploadIdle is the window in which a request body must bring 64 KiB
	// (or end) before the request fails; 0 means no limit.
	UploadIdle time.Duration
	// Mirrors are the spaces that mirror an upstream feed, by canonical
	// space id (mirror.go).
	Mirrors map[string]mirrorSpace
	// Memory is the memory budget split (memory.go).
	Memory budget
	// getenv is the environment the configuration was read from; an S3
	// store reads the AWS variables from it when it opens.
	getenv func(string) string
}

// setting is one row of the configuration table.
type setting struct {
	flag, env, def, help string
}

var settings = []setting{
	{"listen", "FEEDSERVER_LISTEN", "127.0.0.1:5000", "address to listen on"},
	{"data", "FEEDSERVER_DATA", "data", "data folder: packages, catalogue, search index, keys"},
	{"database", "FEEDSERVER_DATABASE", "", "catalogue, keys, spaces and owners: empty for SQLite files in the data folder, or PostgreSQL as postgres://user:password@host:port/database (or key=value pairs)"},
	{"storage", "FEEDSERVER_STORAGE", "", "where the packages are: a folder, or s3://BUCKET/PREFIX (README: Running on PostgreSQL and S3); default: the data folder's packages/"},
	{"public-url", "FEEDSERVER_PUBLIC_URL", "", "base URL clients use (behind a reverse proxy); default: from each request"},
	{"admin-api-key", "FEEDSERVER_ADMIN_API_KEY", "", "administrator API key to create on the first start instead of a generated one"},
	{"max-upload", "FEEDSERVER_MAX_UPLOAD", "0", "largest accepted upload, e.g. 500MiB; 0 means no limit"},
	{"reindex", "FEEDSERVER_REINDEX", "on", "re-index the package directory at startup (on/off)"},
	{"require-read-key", "FEEDSERVER_REQUIRE_READ_KEY", "off", "require an API key (HTTP Basic password) to read packages (on/off)"},
	{"delete-mode", "FEEDSERVER_DELETE_MODE", "delete", "what `nuget delete` does: delete or unlist"},
	{"log-level", "FEEDSERVER_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "FEEDSERVER_LOG_FORMAT", "text", "text or json"},
	// Retention (cmd/feedserver/retention.go reads these rows).
	{"retention-keep-releases", "FEEDSERVER_RETENTION_KEEP_RELEASES", "0", "retention: keep the newest N releases of each package id; 0 means no limit"},
	{"retention-keep-prereleases", "FEEDSERVER_RETENTION_KEEP_PRERELEASES", "0", "retention: keep the newest N prereleases of each package id; 0 means no limit"},
	{"retention-release-max-age-days", "FEEDSERVER_RETENTION_RELEASE_MAX_AGE_DAYS", "0", "retention: delete releases published more than D days ago; 0 means no limit"},
	{"retention-prerelease-max-age-days", "FEEDSERVER_RETENTION_PRERELEASE_MAX_AGE_DAYS", "0", "retention: delete prereleases published more than D days ago; 0 means no limit"},
	{"retention-generic-max-age-days", "FEEDSERVER_RETENTION_GENERIC_MAX_AGE_DAYS", "0", "retention: delete generic package versions that got no file for D days; 0 means no limit"},
	{"retention-file", "FEEDSERVER_RETENTION_FILE", "", "retention: JSON file of per-space rules (README, Retention)"},
	{"cache-max-age", "FEEDSERVER_CACHE_MAX_AGE", "0", "retention: drop upstream packages a mirrored space cached that were not downloaded for this long, e.g. 30d or 720h; they are fetched again on their next download; 0 means no limit"},
	{"cache-max-size", "FEEDSERVER_CACHE_MAX_SIZE", "0", "retention: bytes of cached upstream packages each mirrored space may keep, e.g. 10GiB; over it, the least recently downloaded are dropped; 0 means no limit"},
	{"retention-interval", "FEEDSERVER_RETENTION_INTERVAL", "0", "run retention every interval, e.g. 24h, the first time after the start-up re-index; 0 means never"},
	// The pull-through mirror (cmd/feedserver/mirror.go reads these rows).
	{"upstream", "FEEDSERVER_UPSTREAM", "", "mirror: v3 service index URL of an upstream feed whose packages the default space serves too, cached on first use (e.g. https://api.nuget.org/v3/index.json); empty means no mirror"},
	{"upstream-username", "FEEDSERVER_UPSTREAM_USERNAME", "", "mirror: user name sent to the upstream (HTTP Basic)"},
	{"upstream-password", "FEEDSERVER_UPSTREAM_PASSWORD", "", "mirror: password sent to the upstream (HTTP Basic); never logged"},
	{"upstream-api-key", "FEEDSERVER_UPSTREAM_API_KEY", "", "mirror: API key sent to the upstream as X-NuGet-ApiKey; never logged"},
	{"upstream-timeout", "FEEDSERVER_UPSTREAM_TIMEOUT", "10s", "mirror: longest wait for the upstream's answer (and any pause in a download) before answering from local and cached packages"},
	{"upstream-metadata-ttl", "FEEDSERVER_UPSTREAM_METADATA_TTL", "5m", "mirror: how long the upstream's versions of an id are reused before it is asked again"},
	{"upstream-allow", "FEEDSERVER_UPSTREAM_ALLOW", "", "mirror: comma-separated ids that take upstream versions although pushed here; every other pushed id shadows the upstream's (dependency confusion)"},
	{"upstream-file", "FEEDSERVER_UPSTREAM_FILE", "", "mirror: JSON file of per-space upstreams (README, Mirroring an upstream feed)"},
	{"memory", "FEEDSERVER_MEMORY", "96MiB", "memory budget, e.g. 256MiB: a quarter of it bounds the caches together, and all of it is Go's soft memory limit (GOMEMLIMIT wins); the process takes more for the executable, SQLite and the search index (docs/performance.md)"},
	{"upload-idle-timeout", "FEEDSERVER_UPLOAD_IDLE_TIMEOUT", "60s", "fail an upload that brings less than 64 KiB in this long (a stalled or trickling client; steady uploads are never cut off); 0 means never"},
}

// loadConfig reads flags from args over the environment over the defaults.
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "%s\n\nFlags (each also read from the environment variable named at its end):\n", commands)
		fs.PrintDefaults()
	}
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		values[s.flag] = fs.String(s.flag, def, s.help+" ($"+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		return config{}, nil, err
	}
	c := config{
		Listen:      *values["listen"],
		Data:        *values["data"],
		Database:    strings.TrimSpace(*values["database"]),
		Storage:     *values["storage"],
		PublicURL:   strings.TrimRight(*values["public-url"], "/"),
		AdminAPIKey: *values["admin-api-key"],
		DeleteMode:  strings.ToLower(*values["delete-mode"]),
		LogLevel:    *values["log-level"],
		LogFormat:   *values["log-format"],
		getenv:      getenv,
	}
	var err error
	if c.MaxUpload, err = parseSize(*values["max-upload"]); err != nil {
		return config{}, nil, fmt.Errorf("max-upload: %w", err)
	}
	memory, err := parseSize(*values["memory"])
	if err != nil {
		return config{}, nil, fmt.Errorf("memory: %w", err)
	}
	if c.Memory, err = budgetFor(memory); err != nil {
		return config{}, nil, err
	}
	if c.Reindex, err = parseSwitch(*values["reindex"]); err != nil {
		return config{}, nil, fmt.Errorf("reindex: %w", err)
	}
	if c.RequireReadKey, err = parseSwitch(*values["require-read-key"]); err != nil {
		return config{}, nil, fmt.Errorf("require-read-key: %w", err)
	}
	if c.UploadIdle, err = time.ParseDuration(*values["upload-idle-timeout"]); err != nil || c.UploadIdle < 0 {
		return config{}, nil, fmt.Errorf("upload-idle-timeout: %q is not a duration such as 60s", *values["upload-idle-timeout"])
	}
	if c.Retention, c.RetentionInterval, err = retentionConfig(values); err != nil {
		return config{}, nil, err
	}
	if c.Mirrors, err = mirrorConfig(values); err != nil {
		return config{}, nil, err
	}
	for space, m := range c.Mirrors {
		if m.Cache != nil { // the upstream file's cache limits replace the flags' there
			if c.Retention.CacheSpaces == nil {
				c.Retention.CacheSpaces = map[string]feed.CacheRule{}
			}
			c.Retention.CacheSpaces[space] = *m.Cache
		}
	}
	if c.DeleteMode != "delete" && c.DeleteMode != "unlist" {
		return config{}, nil, fmt.Errorf("delete-mode: %q is neither delete nor unlist", c.DeleteMode)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return config{}, nil, fmt.Errorf("public-url: %q is not an absolute http(s) URL", c.PublicURL)
		}
	}
	if c.Database != "" && !isPostgres(c.Database) {
		return config{}, nil, fmt.Errorf("database: %q is neither empty (SQLite in the data folder) nor a PostgreSQL postgres:// URL or key=value connection string", redactDSN(c.Database))
	}
	if c.Data == "" {
		return config{}, nil, fmt.Errorf("data: the data folder must be set")
	}
	return c, fs.Args(), nil
}

func parseSwitch(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("%q is neither on nor off", s)
}

// parseSize reads "1048576", "500MiB", "2GiB", "10MB".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}

func newLogger(c config, w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log-format: %q is neither text nor json", c.LogFormat)
}
