// Command importcheck checks every package of the module against the import
// rule its doc.go states, so the layering the package comments describe is
// the layering the code has. scripts/test runs it at the repository root:
//
//	go run ./scripts/importcheck
//
// It prints one line per broken rule, naming the file and line of the
// offending import and the rule it breaks, and exits 1; otherwise it prints
// "import rules: ok (N packages)". Only non-test files count (go list
// -deps for this machine's GOOS and GOARCH): tests may import what they need.
//
// A rule is the last part of the package comment: a section headed
// "# Imports" whose prose says why, and an indented block that the check
// reads:
//
//	may import:    std, nuget, storage, github.com/beevik/etree
//	must not:      net/http/..., os/..., syscall, unsafe
//	never reaches: net/http
//	imported by:   tests, protocol/protocoltest
//
// Each field is a comma-separated list of package patterns; an indented line
// without a key continues the field above it. A pattern is a package path,
// or a path ending in "/..." for that package and every package below it;
// feedserver packages are written relative to the module ("protocol/httpx"),
// all others in full ("net/http", "github.com/gorilla/mux").
//
//   - may import (required): the packages the package may import directly.
//     "std" is the whole standard library.
//   - must not: packages it must not import directly even though may import
//     allows them (a part of std, usually).
//   - never reaches: packages it must not depend on even indirectly, through
//     any chain of imports (the message shows the chain).
//   - imported by: the only packages that may import this one; "tests"
//     stands for test files, which are never checked, so "imported by:
//     tests" keeps a test helper out of the server.
//
// A package without a rule, or a pattern that names no package of the
// module, its dependencies or the standard library (a typo, or a package
// that moved), is an error too.
//
// # Imports
//
//	may import: std
package main
