// Package testsvc starts the real services that backend tests run against,
// on loopback, and stops them after: a throwaway PostgreSQL cluster
// (postgres.go) for the catalogue and key-store drivers, and a versitygw S3
// gateway (versitygw.go) for the S3 storage driver. Each service is started
// at most once per test binary (a package's TestMain closes it) and hands
// every test its own empty space in it (a fresh database, a fresh bucket).
//
// A service that is not installed skips the tests that need it, with a
// message saying what to install, unless FEEDSERVER_TEST_SERVICES=required
// (scripts/test sets it, so CI never skips a backend test): then they fail.
//
// Each service's file stands alone.
//
// # Imports
//
// pgx to create databases, minio-go to create buckets. Test support only: no
// production package may import it.
//
//	may import:  std, github.com/jackc/pgx/v5, github.com/minio/minio-go/v7/...
//	imported by: tests
package testsvc
