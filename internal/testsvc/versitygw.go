package testsvc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// The root credentials the test gateway accepts: throwaway, loopback only.
const (
	VersitygwAccessKey = "feedserver-test"
	VersitygwSecretKey = "feedserver-test-secret"
	VersitygwRegion    = "us-east-1"
)

// Versitygw is a versitygw S3 gateway (Apache-2.0) with its posix backend
// on 127.0.0.1 and a free port, serving a temporary folder that Close
// removes. It starts on the first NewBucket, so a test binary whose S3 tests
// are filtered out starts nothing. Use one per test binary:
//
//	var s3 = testsvc.NewVersitygw() // package test state, closed by TestMain
//
//	func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, s3)) }
//
// It is safe for concurrent use.
type Versitygw struct {
	mu      sync.Mutex
	started bool
	err     error // why the gateway could not start; every later call reports it
	dir     string
	bin     string
	port    int
	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has exited
	n       int           // buckets made so far
}

// NewVersitygw returns a gateway that starts when first used.
func NewVersitygw() *Versitygw { return &Versitygw{} }

// Bucket is an empty bucket in the gateway and what a client needs to reach it.
type Bucket struct {
	Endpoint  string // "http://127.0.0.1:PORT"
	Name      string
	AccessKey string
	SecretKey string
	Region    string
}

// URL is the bucket as feedserver's -storage takes it, with prefix (may be
// "") and the endpoint, region and path-style addressing in the query; the
// credentials go in the environment (Getenv).
func (b Bucket) URL(prefix string) string {
	u := "s3://" + b.Name
	if prefix != "" {
		u += "/" + prefix
	}
	return u + "?endpoint=" + b.Endpoint + "&region=" + b.Region + "&path-style=true"
}

// Getenv is an environment holding the credentials as the standard AWS
// variables and nothing else, for s3.ParseURL.
func (b Bucket) Getenv(name string) string {
	switch name {
	case "AWS_ACCESS_KEY_ID":
		return b.AccessKey
	case "AWS_SECRET_ACCESS_KEY":
		return b.SecretKey
	}
	return ""
}

// NewBucket creates an empty bucket in the gateway, starting the gateway
// first if needed. When versitygw is not installed it skips t, or fails it
// when RequiredEnv is "required".
func (v *Versitygw) NewBucket(t testing.TB) Bucket {
	t.Helper()
	b, err := v.newBucket()
	if err != nil {
		unavailable(t, "versitygw", err)
	}
	return b
}

func (v *Versitygw) newBucket() (Bucket, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.startLocked(); err != nil {
		return Bucket{}, err
	}
	v.n++
	b := Bucket{
		Endpoint:  v.endpoint(),
		Name:      fmt.Sprintf("test-%d", v.n),
		AccessKey: VersitygwAccessKey,
		SecretKey: VersitygwSecretKey,
		Region:    VersitygwRegion,
	}
	c, err := minio.New(fmt.Sprintf("127.0.0.1:%d", v.port), &minio.Options{
		Creds:  credentials.NewStaticV4(b.AccessKey, b.SecretKey, ""),
		Region: b.Region,
	})
	if err != nil {
		return Bucket{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := c.MakeBucket(ctx, b.Name, minio.MakeBucketOptions{Region: b.Region}); err != nil {
		return Bucket{}, fmt.Errorf("testsvc: create bucket %s: %w", b.Name, err)
	}
	return b, nil
}

func (v *Versitygw) endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", v.port) }

// startLocked finds the binary and starts the gateway once; v.mu is held.
func (v *Versitygw) startLocked() error {
	if v.started || v.err != nil {
		return v.err
	}
	v.err = v.first()
	v.started = v.err == nil
	return v.err
}

func (v *Versitygw) first() error {
	bin, err := versitygwBin()
	if err != nil {
		return err
	}
	v.bin = bin
	if v.dir, err = os.MkdirTemp("", "feedserver-s3-"); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(v.dir, "root"), 0o700); err != nil {
		return err
	}
	for range 3 {
		if v.port, err = freePort(); err != nil {
			return err
		}
		if err = v.startProcess(); err == nil {
			return nil
		}
	}
	return err
}

// startProcess runs the gateway on v.port and waits until it answers.
func (v *Versitygw) startProcess() error {
	logFile, err := os.Create(filepath.Join(v.dir, "log"))
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(v.bin,
		"--port", fmt.Sprintf("127.0.0.1:%d", v.port),
		"--access", VersitygwAccessKey, "--secret", VersitygwSecretKey,
		// No --keep-alive: with it, versitygw 1.8.0 answers a request it
		// refused before reading its body (a create-only PUT's early 412,
		// an empty directory object) and then parses the rest of that body
		// as the connection's next request, failing whatever request the
		// client sends next on it with 400. One connection per request is
		// slower, never wrong.
		"--region", VersitygwRegion, "--quiet",
		"posix", filepath.Join(v.dir, "root"))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so a test's Ctrl-C does not stop it mid-test.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start versitygw: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	v.cmd, v.exited = cmd, exited
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("versitygw exited at start: %s", v.logTail())
		default:
		}
		// Any HTTP answer (403 to an anonymous request) means it serves.
		resp, err := http.Get(v.endpoint() + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	v.stopProcess()
	return fmt.Errorf("versitygw did not answer on %s within 30s: %s", v.endpoint(), v.logTail())
}

// logTail is the end of the gateway's log, for an error message.
func (v *Versitygw) logTail() string {
	b, _ := os.ReadFile(filepath.Join(v.dir, "log"))
	return tail(b, 2000)
}

// stopProcess ends the gateway and waits for it.
func (v *Versitygw) stopProcess() {
	if v.cmd == nil {
		return
	}
	_ = v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.exited:
	case <-time.After(10 * time.Second):
		_ = v.cmd.Process.Kill()
		<-v.exited
	}
	v.cmd = nil
}

// Stop stops the gateway (its buckets stay on disk), for tests of what
// happens while the store is down; Start brings it back on the same port.
func (v *Versitygw) Stop() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.started {
		return errors.New("testsvc: versitygw is not running")
	}
	v.stopProcess()
	// The port must refuse connections before Stop returns.
	for range 100 {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", v.port))
		if err != nil {
			return nil
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	return errors.New("testsvc: versitygw still accepts connections after Stop")
}

// Start starts the gateway again after Stop, on the same port and folder.
func (v *Versitygw) Start() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.started {
		return errors.New("testsvc: versitygw never started")
	}
	if v.cmd != nil {
		return nil
	}
	return v.startProcess()
}

// Close stops the gateway, if it started, and removes its folder.
func (v *Versitygw) Close() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.stopProcess()
	v.started = false
	if v.dir != "" {
		os.RemoveAll(v.dir)
		v.dir = ""
	}
}

// versitygwBin finds the versitygw binary: on the PATH (scripts/test puts
// $TOOLS_DIR/bin there), in $TOOLS_DIR/bin, or in the repository's
// .tools/bin (scripts/install-tools' default).
func versitygwBin() (string, error) {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("TOOLS_DIR"); d != "" {
		dirs = append(dirs, filepath.Join(d, "bin"))
	}
	if root, ok := moduleRoot(); ok {
		dirs = append(dirs, filepath.Join(root, ".tools", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("versitygw not found on PATH, in $TOOLS_DIR/bin or in .tools/bin (scripts/install-tools builds it)")
}

// moduleRoot is the nearest folder above the working directory (a test's
// package folder) that holds go.mod.
func moduleRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}
