package nugettest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"
)

// Spec describes a package to build; zero fields get plain defaults.
type Spec struct {
	ID, Version string
	Description string
	Authors     string
	Tags        string
	Title       string
	// Dependencies are "id:range" pairs in one group without a target framework.
	Dependencies []string
	// Payload is the content of lib/net45/<id>.dll; it makes packages differ in size.
	Payload []byte
	// ExtraMetadata is raw XML inserted into <metadata>.
	ExtraMetadata string
	// Files are more zip entries by name, such as the readme, icon or
	// licence file that ExtraMetadata's <readme>, <icon> or <license
	// type="file"> names.
	Files map[string][]byte
}

// Nuspec renders the spec's manifest.
func Nuspec(s Spec) string {
	if s.Description == "" {
		s.Description = "Test package " + s.ID
	}
	if s.Authors == "" {
		s.Authors = "feedserver tests"
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata>`)
	fmt.Fprintf(&b, "<id>%s</id><version>%s</version>", html.EscapeString(s.ID), html.EscapeString(s.Version))
	if s.Title != "" {
		fmt.Fprintf(&b, "<title>%s</title>", html.EscapeString(s.Title))
	}
	fmt.Fprintf(&b, "<authors>%s</authors><description>%s</description>", html.EscapeString(s.Authors), html.EscapeString(s.Description))
	if s.Tags != "" {
		fmt.Fprintf(&b, "<tags>%s</tags>", html.EscapeString(s.Tags))
	}
	if len(s.Dependencies) > 0 {
		b.WriteString("<dependencies>")
		for _, d := range s.Dependencies {
			id, rng, _ := strings.Cut(d, ":")
			fmt.Fprintf(&b, `<dependency id="%s" version="%s" />`, html.EscapeString(id), html.EscapeString(rng))
		}
		b.WriteString("</dependencies>")
	}
	b.WriteString(s.ExtraMetadata)
	b.WriteString("</metadata></package>\n")
	return b.String()
}

// Build returns the bytes of a .nupkg for the spec.
func Build(tb testing.TB, s Spec) []byte {
	tb.Helper()
	files := map[string][]byte{
		s.ID + ".nuspec":             []byte(Nuspec(s)),
		"lib/net45/" + s.ID + ".dll": append([]byte("payload of "+s.ID+" "+s.Version+"\n"), s.Payload...),
		"[Content_Types].xml":        []byte(`<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"></Types>`),
	}
	for name, data := range s.Files {
		files[name] = data
	}
	return Zip(tb, files)
}

// Zip builds a zip archive of the given files, in name order.
func Zip(tb testing.TB, files map[string][]byte) []byte {
	tb.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			tb.Fatalf("zip %s: %v", n, err)
		}
		if _, err := w.Write(files[n]); err != nil {
			tb.Fatalf("zip %s: %v", n, err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("zip: %v", err)
	}
	return buf.Bytes()
}
