package testsvc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a throwaway PostgreSQL cluster on 127.0.0.1 and a free port,
// owned by the postgres user when the tests run as root (initdb refuses
// root), in a temporary folder that Close removes. It starts on the first
// NewDatabase, so a test binary whose PostgreSQL tests are filtered out
// starts nothing. Use one per test binary:
//
//	var pg = testsvc.NewPostgres() // package test state, closed by TestMain
//
//	func TestMain(m *testing.M) { os.Exit(testsvc.Run(m, pg)) }
//
// It is safe for concurrent use.
type Postgres struct {
	mu      sync.Mutex
	started bool
	err     error  // why the cluster could not start; every later call reports it
	dir     string // temporary folder: data/, the socket, the log
	bin     string // folder of initdb, pg_ctl
	port    int
	owner   *user.User // the postgres user when running as root, else nil
	n       int        // databases made so far
}

// NewPostgres returns a cluster that starts when first used.
func NewPostgres() *Postgres { return &Postgres{} }

// NewDatabase creates an empty database in the cluster, starting the cluster
// first if needed, and returns its connection URL. When PostgreSQL is not
// installed it skips t, or fails it when RequiredEnv is "required".
func (p *Postgres) NewDatabase(t testing.TB) string {
	t.Helper()
	name, err := p.newDatabase()
	if err != nil {
		unavailable(t, "PostgreSQL", err)
	}
	return p.URL(name)
}

// URL is the connection URL of database name in the cluster.
func (p *Postgres) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, name)
}

func (p *Postgres) newDatabase() (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.startLocked(); err != nil {
		return "", err
	}
	p.n++
	name := fmt.Sprintf("test_%d", p.n)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.URL("postgres"))
	if err != nil {
		return "", fmt.Errorf("testsvc: connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("testsvc: create database: %w", err)
	}
	return name, nil
}

// startLocked initialises and starts the cluster once; p.mu is held.
func (p *Postgres) startLocked() error {
	if p.started || p.err != nil {
		return p.err
	}
	p.err = p.initCluster()
	if p.err == nil {
		p.err = p.startServer()
	}
	p.started = p.err == nil
	return p.err
}

// initCluster finds the binaries and runs initdb in a new temporary folder.
func (p *Postgres) initCluster() error {
	bin, err := postgresBin()
	if err != nil {
		return err
	}
	p.bin = bin
	if os.Geteuid() == 0 {
		if p.owner, err = user.Lookup("postgres"); err != nil {
			return fmt.Errorf("running as root needs the postgres user to own the cluster: %w", err)
		}
	}
	if p.dir, err = os.MkdirTemp("", "feedserver-pg-"); err != nil {
		return err
	}
	if p.owner != nil {
		uid, _ := strconv.Atoi(p.owner.Uid)
		gid, _ := strconv.Atoi(p.owner.Gid)
		if err := os.Chown(p.dir, uid, gid); err != nil {
			return err
		}
	}
	// An ICU default collation that is not byte order, so a query that
	// forgets COLLATE "C" where it pages by key fails the suites; -N: a
	// throwaway cluster needs no fsync of its initial files.
	out, err := p.command("initdb", "-N", "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--locale-provider=icu", "--icu-locale=en-US").CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w: %s", err, out)
	}
	return nil
}

// startServer picks a free loopback port, writes it into the configuration
// and starts the server, trying again with another port if it was taken.
func (p *Postgres) startServer() error {
	var err error
	for range 3 {
		if p.port, err = freePort(); err != nil {
			return err
		}
		conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"+
			"max_connections = 300\nshared_buffers = 64MB\n", p.port, p.dir)
		// postgresql.auto.conf is read last: each start's settings win.
		if err = os.WriteFile(filepath.Join(p.data(), "postgresql.auto.conf"), []byte(conf), 0o600); err != nil {
			return err
		}
		if p.owner != nil {
			uid, _ := strconv.Atoi(p.owner.Uid)
			gid, _ := strconv.Atoi(p.owner.Gid)
			if err = os.Chown(filepath.Join(p.data(), "postgresql.auto.conf"), uid, gid); err != nil {
				return err
			}
		}
		if err = p.Start(); err == nil {
			return nil
		}
	}
	return err
}

// Start starts the server again after Stop, on the same port.
func (p *Postgres) Start() error {
	out, err := p.command("pg_ctl", "-D", p.data(), "-l", filepath.Join(p.dir, "log"), "-w", "-t", "120", "start").CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log"))
		return fmt.Errorf("pg_ctl start: %w: %s\n%s", err, out, tail(log, 2000))
	}
	return nil
}

// Stop stops the server (fast shutdown: clients are disconnected), for
// tests of what happens while the database is down.
func (p *Postgres) Stop() error {
	out, err := p.command("pg_ctl", "-D", p.data(), "-m", "fast", "-w", "-t", "120", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

// Close stops the cluster, if it started, and removes its folder.
func (p *Postgres) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		_ = p.Stop()
		p.started = false
	}
	if p.dir != "" {
		os.RemoveAll(p.dir)
		p.dir = ""
	}
}

func (p *Postgres) data() string { return filepath.Join(p.dir, "data") }

// command runs a PostgreSQL program, as the postgres user when we are root.
func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	prog := filepath.Join(p.bin, name)
	if p.owner != nil {
		return exec.Command("runuser", append([]string{"-u", p.owner.Username, "--", prog}, args...)...)
	}
	return exec.Command(prog, args...)
}

// postgresBin finds the folder of initdb and pg_ctl: Debian's newest
// /usr/lib/postgresql/N/bin, else the PATH.
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if path, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(path), nil
	}
	return "", errors.New("initdb not found in /usr/lib/postgresql/*/bin or on PATH (Debian: apt-get install postgresql)")
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}
