package testsvc

import (
	"net"
	"os"
	"strings"
	"testing"
)

// What every service shares: the switch that makes a missing service a
// failure, the TestMain helper, and a free loopback port.

// RequiredEnv names the variable that makes a missing service a failure
// instead of a skip; scripts/test sets it to "required".
const RequiredEnv = "FEEDSERVER_TEST_SERVICES"

// Run runs the tests of m, then closes each service, and returns m's exit
// code for os.Exit.
func Run(m *testing.M, services ...interface{ Close() }) int {
	code := m.Run()
	for _, s := range services {
		s.Close()
	}
	return code
}

// unavailable skips or fails t for a service that cannot run here.
func unavailable(t testing.TB, service string, err error) {
	t.Helper()
	if os.Getenv(RequiredEnv) == "required" {
		t.Fatalf("%s is required (%s=required) but cannot run: %v", service, RequiredEnv, err)
	}
	t.Skipf("skipped: %s cannot run here (%v); scripts/install-tools installs it, and %s=required makes this a failure", service, err, RequiredEnv)
}

// freePort is a TCP port on 127.0.0.1 that nothing listens on now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// tail is the end of a log, for an error message.
func tail(b []byte, n int) string {
	s := string(b)
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
