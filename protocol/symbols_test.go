package protocol_test

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/feedserver/feedserver/fixtures"
	"github.com/feedserver/feedserver/nuget"
	"github.com/feedserver/feedserver/nuget/nugettest"
	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// pushSymbolsHTTP pushes a symbol package as NuGet.exe 5.8 does: multipart,
// part "package", file name "package.nupkg", to the SymbolPackagePublish URL
// plus "/" (docs/protocol/nuget.md §12.1).
func pushSymbolsHTTP(t *testing.T, env *protocoltest.Env, path string, snupkg []byte) (*http.Response, []byte) {
	t.Helper()
	body, ct := protocoltest.Multipart(t, "package", "package.nupkg", snupkg)
	return env.Do(t, http.MethodPut, path, bytes.NewReader(body), env.PublisherKey, "Content-Type", ct)
}

// A symbol package goes in beside its package, and a debugger gets its PDB
// back byte for byte by SSQP key, under the SymbolChecksum rule.
func TestSymbolServer(t *testing.T) {
	env := protocoltest.New(t, protocoltest.Quiet())
	id := [20]byte{0xF6, 0x72, 0x7B, 0x49, 0x0A, 0x39, 0xFC, 0x44, 0x87, 0x8E, 0x5A, 0x2D, 0x63, 0xB6, 0xCC, 0x4B, 9, 9, 9, 9}
	pdb := append(nugettest.PortablePDB(id), bytes.Repeat([]byte("method bodies "), 4000)...)
	snupkg := nugettest.SymbolPackage(t, "Sym.Lib", "1.0.0", map[string][]byte{"lib/net45/Sym.Lib.pdb": pdb})
	key := nuget.SymbolKey("Sym.Lib.pdb", id)
	if key != "sym.lib.pdb/497b72f6390a44fc878e5a2d63b6cc4bFFFFFFFF/sym.lib.pdb" {
		t.Fatalf("key %s: the GUID is not written as the SSQP conventions say", key)
	}

	// Before its package exists: 404, as nuget.org answers.
	if resp, body := pushSymbolsHTTP(t, env, "/api/v2/symbolpackage/", snupkg); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("symbols before the package: %d %s, want 404", resp.StatusCode, body)
	}
	if resp := env.Push(t, protocoltest.Nupkg(t, "Sym.Lib", "1.0.0"), env.PublisherKey); resp.StatusCode != http.StatusCreated {
		t.Fatalf("push nupkg: %d", resp.StatusCode)
	}
	for _, bad := range []struct {
		name string
		body []byte
	}{
		{"a nupkg", protocoltest.Nupkg(t, "Sym.Lib", "1.0.0")},
		{"windows PDB", fixtures.BadSymbols("windows-pdb.snupkg")},
		{"a DLL inside", fixtures.BadSymbols("with-dll.snupkg")},
		{"not a zip", fixtures.BadSymbols("not-a-zip.snupkg")},
	} {
		if resp, body := pushSymbolsHTTP(t, env, "/api/v2/symbolpackage/", bad.body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s, want 400", bad.name, resp.StatusCode, body)
		}
	}
	if resp, body := pushSymbolsHTTP(t, env, "/api/v2/symbolpackage/", snupkg); resp.StatusCode != http.StatusCreated {
		t.Fatalf("push snupkg: %d %s", resp.StatusCode, body)
	}

	// Again, the same PDBs: 201 (NuGet.exe -SkipDuplicate pushes them again);
	// other PDBs: 409 for a publisher, replaced for an administrator.
	if resp, body := pushSymbolsHTTP(t, env, "/api/v2/symbolpackage/", snupkg); resp.StatusCode != http.StatusCreated {
		t.Fatalf("the same snupkg again: %d %s, want 201", resp.StatusCode, body)
	}
	otherID := id
	otherID[0] = 0 // the GUID: the key has no stamp
	other := nugettest.SymbolPackage(t, "Sym.Lib", "1.0.0", map[string][]byte{"lib/net45/Sym.Lib.pdb": nugettest.PortablePDB(otherID)})
	if resp, body := pushSymbolsHTTP(t, env, "/api/v2/symbolpackage/", other); resp.StatusCode != http.StatusConflict {
		t.Fatalf("other symbols by a publisher: %d %s, want 409", resp.StatusCode, body)
	}
	otherBody, ct := protocoltest.Multipart(t, "package", "package.nupkg", other)
	if resp, body := env.Do(t, http.MethodPut, "/api/v2/symbolpackage", bytes.NewReader(otherBody), env.AdminKey, "Content-Type", ct); resp.StatusCode != http.StatusCreated {
		t.Fatalf("other symbols by an administrator: %d %s, want 201", resp.StatusCode, body)
	}
	if resp, body := pushSymbolsHTTP(t, env, "/api/v2/symbolpackage/", snupkg); resp.StatusCode != http.StatusConflict {
		t.Fatalf("the first symbols back by a publisher: %d %s, want 409", resp.StatusCode, body)
	}
	snupkgBody, ct := protocoltest.Multipart(t, "package", "package.nupkg", snupkg)
	if resp, body := env.Do(t, http.MethodPut, "/api/v2/symbolpackage/", bytes.NewReader(snupkgBody), env.AdminKey, "Content-Type", ct); resp.StatusCode != http.StatusCreated {
		t.Fatalf("the first symbols back by an administrator: %d %s, want 201", resp.StatusCode, body)
	}

	p, err := nuget.ReadPortablePDB(bytes.NewReader(pdb), int64(len(pdb)))
	if err != nil {
		t.Fatal(err)
	}
	sha256, _ := p.Checksum(bytes.NewReader(pdb), "SHA256")
	sha512, _ := p.Checksum(bytes.NewReader(pdb), "SHA512")
	sig := key[len("sym.lib.pdb/"):strings.LastIndex(key, "/")]
	for _, tc := range []struct {
		name, method, path string
		header             []string
		want               int
	}{
		{"by key", "GET", "/download/symbols/" + key, nil, 200},
		{"key in upper case", "GET", "/download/symbols/" + strings.ToUpper(key), nil, 200},
		{"key with the file name as pushed", "GET", "/download/symbols/Sym.Lib.pdb/" + sig + "/Sym.Lib.pdb", nil, 200},
		{"slashes escaped, as Microsoft.SymbolStore before 2021 sent them", "GET", "/download/symbols/" + strings.ReplaceAll(key, "/", "%2F"), nil, 200},
		{"HEAD", "HEAD", "/download/symbols/" + key, nil, 200},
		{"checksum matches", "GET", "/download/symbols/" + key, []string{"SymbolChecksum", "SHA256:" + hex.EncodeToString(sha256)}, 200},
		{"second checksum matches", "GET", "/download/symbols/" + key, []string{"SymbolChecksum", "SHA256:" + strings.Repeat("00", 32) + ";SHA512:" + strings.ToUpper(hex.EncodeToString(sha512))}, 200},
		{"checksum does not match", "GET", "/download/symbols/" + key, []string{"SymbolChecksum", "SHA256:" + strings.Repeat("00", 32)}, 404},
		{"malformed checksum header", "GET", "/download/symbols/" + key, []string{"SymbolChecksum", "SHA256:xyz"}, 400},
		{"the replaced PDB", "GET", "/download/symbols/" + nuget.SymbolKey("Sym.Lib.pdb", otherID), nil, 404},
		{"unknown id", "GET", "/download/symbols/sym.lib.pdb/00000000000000000000000000000000FFFFFFFF/sym.lib.pdb", nil, 404},
		{"file names differ", "GET", "/download/symbols/sym.lib.pdb/" + sig + "/other.pdb", nil, 404},
		{"not a key", "GET", "/download/symbols/sym.lib.pdb", nil, 404},
		{"in another space", "GET", "/Spaces-2/download/symbols/" + key, nil, 404},
		{"in an unknown space", "GET", "/Spaces-99/download/symbols/" + key, nil, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := env.Do(t, tc.method, tc.path, nil, "", tc.header...)
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s: %d %s, want %d", tc.method, tc.path, resp.StatusCode, firstLine(body), tc.want)
			}
			if tc.want != 200 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/octet-stream" {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.method == "GET" && !bytes.Equal(body, pdb) {
				t.Errorf("body is %d bytes, not the PDB's %d", len(body), len(pdb))
			}
		})
	}
}

// FuzzSymbolRequest sends a debugger's request with an arbitrary key and
// SymbolChecksum header: the answer is the PDB (200), 404, or 400 for a
// malformed header, never anything else (Microsoft.SymbolStore gives up on
// a server that answers another client error), and a 200 is the PDB.
func FuzzSymbolRequest(f *testing.F) {
	env := protocoltest.New(f, protocoltest.Quiet())
	pdb := nugettest.PortablePDB(permPDBID)
	if resp := env.Push(f, protocoltest.Nupkg(f, "Fuzz.Sym", "1.0.0"), env.PublisherKey); resp.StatusCode != http.StatusCreated {
		f.Fatalf("push nupkg: %d", resp.StatusCode)
	}
	if _, err := env.Feed.PushSymbols(f.Context(), "", bytes.NewReader(nugettest.SymbolPackage(f, "Fuzz.Sym", "1.0.0", map[string][]byte{"lib/Fuzz.Sym.pdb": pdb})), false); err != nil {
		f.Fatal(err)
	}
	p, err := nuget.ReadPortablePDB(bytes.NewReader(pdb), int64(len(pdb)))
	if err != nil {
		f.Fatal(err)
	}
	sum, _ := p.Checksum(bytes.NewReader(pdb), "SHA256")
	key := nuget.SymbolKey("Fuzz.Sym.pdb", permPDBID)
	f.Add(key, "", false)
	f.Add(key, "SHA256:"+hex.EncodeToString(sum), true)
	f.Add(strings.ReplaceAll(key, "/", "%2F"), "sha384:00;SHA256:"+hex.EncodeToString(sum), true)
	f.Add("a/b/a", "SHA256:zz", true)
	f.Add("%zz/../x", ";;;:", true)
	f.Fuzz(func(t *testing.T, path, header string, sendHeader bool) {
		if _, err := url.Parse(env.URL + "/download/symbols/" + path); err != nil {
			return // not a request a client can send
		}
		for _, c := range header {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return
			}
		}
		var hdr []string
		if sendHeader {
			hdr = []string{"SymbolChecksum", header}
		}
		resp, body := env.Do(t, http.MethodGet, "/download/symbols/"+path, nil, "", hdr...)
		switch resp.StatusCode {
		case http.StatusOK:
			if !bytes.Equal(body, pdb) {
				t.Fatalf("200 with %d bytes, not the PDB", len(body))
			}
		case http.StatusNotFound:
		case http.StatusBadRequest:
			if !sendHeader {
				t.Fatalf("400 without a SymbolChecksum header: %s", firstLine(body))
			}
		default:
			t.Fatalf("status %d: %s", resp.StatusCode, firstLine(body))
		}
	})
}
