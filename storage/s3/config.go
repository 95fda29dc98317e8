package s3

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"gopkg.in/ini.v1"

	"github.com/feedserver/feedserver/storage"
)

// Config says which bucket holds the store and how to reach it. ParseURL
// fills it from an s3:// URL and the standard AWS environment.
type Config struct {
	// Bucket is the bucket's name; it must exist.
	Bucket string
	// Prefix, when not "", is a key-shaped folder of the bucket that holds
	// the store: key k is the object Prefix + "/" + k.
	Prefix string
	// Endpoint is the S3 service's base URL, e.g. "https://s3.amazonaws.com"
	// or "http://127.0.0.1:7070".
	Endpoint string
	// Region signs the requests; "" lets the client ask the bucket's
	// location (AWS), and an S3-compatible endpoint gets "us-east-1".
	Region string
	// Addressing is how the bucket is named in requests: "auto" (virtual
	// host for AWS, path otherwise), "path" or "virtual".
	Addressing string
	// PartSize is the size of a multipart upload's parts, and the largest
	// blob uploaded with one PUT. 0 means DefaultPartSize.
	PartSize int64
	// Credentials sign the requests; see Credentials.
	Credentials Credentials
	// ScratchDir is a local folder of this process alone where stages too
	// large to keep in memory are written before Commit uploads them. It is
	// created if missing.
	ScratchDir string
}

// DefaultPartSize is the part size of multipart uploads unless the URL sets
// part-size. S3 allows 5 MiB to 5 GiB and 10,000 parts: 16 MiB parts reach
// 156 GiB, and a commit reads at most NumThreads parts at once from the
// scratch file, never buffering one.
const DefaultPartSize = 16 << 20

// minPartSize is S3's smallest part (the last part excepted).
const minPartSize = 5 << 20

// ParseURL reads the store's URL, s3://BUCKET[/PREFIX][?QUERY], completed by
// the AWS environment as the AWS tools read it (getenv is os.Getenv outside
// tests):
//
//   - endpoint: the query's endpoint, else AWS_ENDPOINT_URL_S3, else
//     AWS_ENDPOINT_URL, else endpoint_url of the profile in the AWS config
//     file, else AWS itself;
//   - region: the query's region, else AWS_REGION, else AWS_DEFAULT_REGION,
//     else region of the profile in the AWS config file;
//   - credentials: see ResolveCredentials (never in the URL, which is logged).
//
// The query may also hold path-style=true|false (false: virtual-host
// addressing; default: AWS virtual host, anything else path style),
// tls=true|false (for an endpoint given without a scheme; default true) and
// part-size (a multipart upload's parts, e.g. 16MiB, at least 5 MiB).
// The profile is AWS_PROFILE, else "default"; the config file is
// AWS_CONFIG_FILE, else ~/.aws/config.
func ParseURL(raw string, getenv func(string) string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("s3: storage URL: %w", err)
	}
	if u.Scheme != "s3" {
		return Config{}, fmt.Errorf("s3: storage URL %q: want s3://BUCKET/PREFIX", redact(u))
	}
	if u.User != nil {
		return Config{}, fmt.Errorf("s3: storage URL %q: credentials do not go in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)", redact(u))
	}
	c := Config{Bucket: u.Host, Prefix: strings.Trim(u.Path, "/"), Addressing: "auto"}
	if err := s3utils.CheckValidBucketNameStrict(c.Bucket); err != nil {
		return Config{}, fmt.Errorf("s3: storage URL %q: bucket %q: %w", redact(u), c.Bucket, err)
	}
	if c.Prefix != "" {
		if err := storage.ValidKey(c.Prefix); err != nil {
			return Config{}, fmt.Errorf("s3: storage URL %q: prefix: %w", redact(u), err)
		}
	}

	q := u.Query()
	for name := range q {
		switch name {
		case "endpoint", "region", "path-style", "tls", "part-size":
		default:
			return Config{}, fmt.Errorf("s3: storage URL %q: unknown setting %q (endpoint, region, path-style, tls, part-size)", redact(u), name)
		}
	}
	profile := firstOf(getenv("AWS_PROFILE"), "default")
	file := awsConfigFile(getenv, profile)

	c.Endpoint = firstOf(q.Get("endpoint"), getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"), file["endpoint_url"], "https://s3.amazonaws.com")
	tls := true
	if v := q.Get("tls"); v != "" {
		if tls, err = strconv.ParseBool(v); err != nil {
			return Config{}, fmt.Errorf("s3: storage URL: tls=%q is neither true nor false", v)
		}
	}
	if c.Endpoint, err = endpointURL(c.Endpoint, tls); err != nil {
		return Config{}, err
	}
	c.Region = firstOf(q.Get("region"), getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), file["region"])
	if v := q.Get("path-style"); v != "" {
		path, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("s3: storage URL: path-style=%q is neither true nor false", v)
		}
		c.Addressing = map[bool]string{true: "path", false: "virtual"}[path]
	}
	if v := q.Get("part-size"); v != "" {
		if c.PartSize, err = parseSize(v); err != nil || c.PartSize < minPartSize {
			return Config{}, fmt.Errorf("s3: storage URL: part-size=%q is not a size of at least 5MiB", v)
		}
	}
	c.Credentials = ResolveCredentials(getenv, profile, c.Endpoint)
	return c, nil
}

// String is the store's URL without anything secret (there is nothing
// secret in a Config but its credentials, which it leaves out).
func (c Config) String() string {
	s := "s3://" + c.Bucket
	if c.Prefix != "" {
		s += "/" + c.Prefix
	}
	return s + " at " + c.Endpoint
}

// endpointURL checks an endpoint and gives it a scheme if it has none.
func endpointURL(s string, tls bool) (string, error) {
	if !strings.Contains(s, "://") {
		s = map[bool]string{true: "https://", false: "http://"}[tls] + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.User != nil {
		return "", fmt.Errorf("s3: endpoint %q is not an http(s)://HOST[:PORT] URL", s)
	}
	return u.Scheme + "://" + u.Host, nil
}

// awsConfigFile reads the profile's settings from the AWS config file
// ("[default]" or "[profile NAME]"); a missing or unreadable file is empty.
func awsConfigFile(getenv func(string) string, profile string) map[string]string {
	path := getenv("AWS_CONFIG_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		path = filepath.Join(home, ".aws", "config")
	}
	f, err := ini.Load(path)
	if err != nil {
		return nil
	}
	section := "profile " + profile
	if profile == "default" && !f.HasSection(section) {
		section = "default"
	}
	if !f.HasSection(section) {
		return nil
	}
	return f.Section(section).KeysHash()
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// redact is a URL for an error message: without a password and its query.
func redact(u *url.URL) string {
	v := *u
	v.User, v.RawQuery = nil, ""
	return v.String()
}

// parseSize reads "16777216", "16MiB", "1GiB".
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("not a size")
	}
	return n * mult, nil
}
