package s3_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/storage/s3"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseURL(t *testing.T) {
	// No ~/.aws of the machine running the tests may leak in.
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[default]\nregion = eu-west-1\n\n[profile ci]\nregion = eu-central-1\nendpoint_url = http://10.0.0.1:9000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		url  string
		env  map[string]string
		want s3.Config
	}{
		{"AWS by default", "s3://bucket", nil,
			s3.Config{Bucket: "bucket", Endpoint: "https://s3.amazonaws.com", Addressing: "auto"}},
		{"prefix", "s3://bucket/feeds/one/", nil,
			s3.Config{Bucket: "bucket", Prefix: "feeds/one", Endpoint: "https://s3.amazonaws.com", Addressing: "auto"}},
		{"AWS_ENDPOINT_URL alone", "s3://bucket/p", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:7070"},
			s3.Config{Bucket: "bucket", Prefix: "p", Endpoint: "http://127.0.0.1:7070", Addressing: "auto"}},
		{"AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL", "s3://bucket", map[string]string{"AWS_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT_URL_S3": "http://b:2"},
			s3.Config{Bucket: "bucket", Endpoint: "http://b:2", Addressing: "auto"}},
		{"the query over the environment", "s3://bucket?endpoint=http://c:3&region=ap-south-1&path-style=true",
			map[string]string{"AWS_ENDPOINT_URL_S3": "http://b:2", "AWS_REGION": "us-west-2"},
			s3.Config{Bucket: "bucket", Endpoint: "http://c:3", Region: "ap-south-1", Addressing: "path"}},
		{"virtual host", "s3://bucket?path-style=false", nil,
			s3.Config{Bucket: "bucket", Endpoint: "https://s3.amazonaws.com", Addressing: "virtual"}},
		{"endpoint without a scheme, no TLS", "s3://bucket?endpoint=store.lan:9000&tls=false", nil,
			s3.Config{Bucket: "bucket", Endpoint: "http://store.lan:9000", Addressing: "auto"}},
		{"endpoint without a scheme is TLS", "s3://bucket?endpoint=store.lan", nil,
			s3.Config{Bucket: "bucket", Endpoint: "https://store.lan", Addressing: "auto"}},
		{"AWS_REGION over AWS_DEFAULT_REGION", "s3://bucket", map[string]string{"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "us-east-2"},
			s3.Config{Bucket: "bucket", Endpoint: "https://s3.amazonaws.com", Region: "us-west-2", Addressing: "auto"}},
		{"AWS_DEFAULT_REGION", "s3://bucket", map[string]string{"AWS_DEFAULT_REGION": "us-east-2"},
			s3.Config{Bucket: "bucket", Endpoint: "https://s3.amazonaws.com", Region: "us-east-2", Addressing: "auto"}},
		{"config file, default profile", "s3://bucket", map[string]string{"AWS_CONFIG_FILE": config},
			s3.Config{Bucket: "bucket", Endpoint: "https://s3.amazonaws.com", Region: "eu-west-1", Addressing: "auto"}},
		{"config file, AWS_PROFILE", "s3://bucket", map[string]string{"AWS_CONFIG_FILE": config, "AWS_PROFILE": "ci"},
			s3.Config{Bucket: "bucket", Endpoint: "http://10.0.0.1:9000", Region: "eu-central-1", Addressing: "auto"}},
		{"the environment over the config file", "s3://bucket", map[string]string{"AWS_CONFIG_FILE": config, "AWS_PROFILE": "ci", "AWS_REGION": "us-west-1"},
			s3.Config{Bucket: "bucket", Endpoint: "http://10.0.0.1:9000", Region: "us-west-1", Addressing: "auto"}},
		{"part size", "s3://bucket?part-size=64MiB", nil,
			s3.Config{Bucket: "bucket", Endpoint: "https://s3.amazonaws.com", Addressing: "auto", PartSize: 64 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s3.ParseURL(tt.url, envOf(tt.env))
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			got.Credentials = s3.Credentials{}
			if got != tt.want {
				t.Errorf("ParseURL(%q) =\n %+v\nwant\n %+v", tt.url, got, tt.want)
			}
		})
	}
}

func TestParseURLRefuses(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	tests := []struct{ url, says string }{
		{"http://bucket/p", "s3://BUCKET"},
		{"s3://key:secret@bucket/p", "credentials do not go in the URL"},
		{"s3://Not_A_Bucket/p", "bucket"},
		{"s3://bucket/../p", "prefix"},
		{"s3://bucket/a b", "prefix"},
		{"s3://bucket?acl=public", `unknown setting "acl"`},
		{"s3://bucket?endpoint=ftp://host", "not an http(s)"},
		{"s3://bucket?endpoint=http://host/path", "not an http(s)"},
		{"s3://bucket?path-style=maybe", "path-style"},
		{"s3://bucket?tls=maybe", "tls"},
		{"s3://bucket?part-size=1MiB", "part-size"},
		{"s3://bucket?part-size=lots", "part-size"},
	}
	for _, tt := range tests {
		_, err := s3.ParseURL(tt.url, envOf(nil))
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("ParseURL(%q) = %v, want an error saying %q", tt.url, err, tt.says)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseURL(%q) error shows the secret: %v", tt.url, err)
		}
	}
}

// Credentials come from the environment first, then the shared files, and
// only say where they came from.
func TestResolveCredentials(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	const endpoint = "http://127.0.0.1:7070" // not AWS: no instance role is asked
	if got := s3.ResolveCredentials(envOf(nil), "default", endpoint).From; !strings.HasPrefix(got, "none") {
		t.Errorf("nothing set: credentials from %q, want none", got)
	}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	creds := "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = filesecret\n[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = cisecret\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "none"))
	for _, profile := range []string{"default", "ci"} {
		if got := s3.ResolveCredentials(envOf(nil), profile, endpoint).From; got != "AWS shared files, profile "+profile {
			t.Errorf("shared file, profile %s: credentials from %q", profile, got)
		}
	}
	env := envOf(map[string]string{"AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "envsecret"})
	if got := s3.ResolveCredentials(env, "default", endpoint).From; got != "environment (AWS_ACCESS_KEY_ID)" {
		t.Errorf("environment over the file: credentials from %q", got)
	}
	c, err := s3.ParseURL("s3://bucket?endpoint="+endpoint, env)
	if err != nil {
		t.Fatal(err)
	}
	if s := c.String(); strings.Contains(s, "envsecret") || strings.Contains(s, "AKIDENV") {
		t.Errorf("Config.String shows the credentials: %s", s)
	}
}
