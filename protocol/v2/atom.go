package v2

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The documents are written by hand rather than with encoding/xml: the
// content element must be self-closing (some consumers test
// XmlReader.IsEmptyElement, Gitea found), and restore's hot path should not
// pay for reflection.

const (
	nsAtom     = "http://www.w3.org/2005/Atom"
	nsData     = "http://schemas.microsoft.com/ado/2007/08/dataservices"
	nsMeta     = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
	nsScheme   = "http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"
	entityType = "NuGetGallery.V2FeedPackage" // Schema Namespace + EntityType of $metadata
)

// Date formats: Edm.DateTime without an offset, as nuget.org writes it; Atom
// <updated> in RFC 3339 UTC.
const (
	edmDateTime = "2006-01-02T15:04:05.999"
	atomTime    = "2006-01-02T15:04:05Z"
)

// feedDoc is what one feed response needs besides its rows.
type feedDoc struct {
	root string // the feed's base URL, no trailing slash: http://host/api/v2
	// download is the base of the package download links, no trailing
	// slash: http://host/api/v2/package, or http://host/Spaces-2/api/v2/package
	// in a space's feed, so a client restoring from a space downloads from it.
	download string
	title    string // FindPackagesById, Packages, Search, GetUpdates
	count    int    // m:count when withCnt
	withCnt  bool
	next     string // absolute URL of the next page; "" for the last page
	updated  time.Time
}

func writeFeed(b *bytes.Buffer, d feedDoc, rows []row) {
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<feed xml:base="`)
	escape(b, d.root)
	b.WriteString(`/" xmlns="` + nsAtom + `" xmlns:d="` + nsData + `" xmlns:m="` + nsMeta + `">`)
	if d.withCnt {
		b.WriteString("<m:count>")
		b.WriteString(strconv.Itoa(d.count))
		b.WriteString("</m:count>")
	}
	b.WriteString("<id>")
	escape(b, d.root)
	b.WriteString("/" + d.title + `</id><title type="text">` + d.title + "</title><updated>")
	b.WriteString(d.updated.UTC().Format(atomTime))
	b.WriteString(`</updated><link rel="self" title="` + d.title + `" href="` + d.title + `" />`)
	for _, r := range rows {
		writeEntry(b, d, r, false)
	}
	if d.next != "" {
		b.WriteString(`<link rel="next" href="`)
		escape(b, d.next)
		b.WriteString(`" />`)
	}
	b.WriteString("</feed>")
}

// writeEntry writes one <entry>; standalone adds the XML declaration and
// namespaces, for Packages(Id='…',Version='…').
func writeEntry(b *bytes.Buffer, d feedDoc, r row, standalone bool) {
	e, m := r.entry(), r.manifest()
	id, version := string(e.ID), e.Version.Full()
	authors := strings.Join(m.Authors, ", ")
	if standalone {
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
		b.WriteString(`<entry xml:base="`)
		escape(b, d.root)
		b.WriteString(`/" xmlns="` + nsAtom + `" xmlns:d="` + nsData + `" xmlns:m="` + nsMeta + `">`)
	} else {
		b.WriteString("<entry>")
	}
	b.WriteString("<id>")
	escape(b, d.root)
	b.WriteByte('/')
	writeKey(b, id, version)
	b.WriteString(`</id><category term="` + entityType + `" scheme="` + nsScheme + `" /><link rel="edit" title="V2FeedPackage" href="`)
	writeKey(b, id, version)
	b.WriteString(`" /><title type="text">`)
	escape(b, id)
	b.WriteString(`</title><summary type="text">`)
	escape(b, m.Summary)
	b.WriteString("</summary><updated>")
	b.WriteString(e.Published.UTC().Format(atomTime))
	b.WriteString("</updated><author><name>")
	escape(b, authors)
	b.WriteString(`</name></author><link rel="edit-media" title="V2FeedPackage" href="`)
	writeKey(b, id, version)
	b.WriteString(`/$value" />`)
	// Self-closing on purpose: see the comment at the top of the file.
	b.WriteString(`<content type="application/zip" src="`)
	escape(b, d.download)
	b.WriteByte('/')
	escape(b, pathEscape(id))
	b.WriteByte('/')
	escape(b, pathEscape(version))
	b.WriteString(`" /><m:properties>`)

	prop(b, "Id", id)
	prop(b, "Version", version)
	prop(b, "NormalizedVersion", e.Version.String())
	prop(b, "Authors", authors)
	prop(b, "Copyright", m.Copyright)
	dateProp(b, "Created", e.Published)
	prop(b, "Dependencies", dependencies(m))
	prop(b, "Description", m.Description)
	intProp(b, "DownloadCount", "Edm.Int32", int32Clamp(r.g.downloads))
	prop(b, "GalleryDetailsUrl", "")
	prop(b, "IconUrl", m.IconURL)
	boolProp(b, "IsLatestVersion", r.isLatest())
	boolProp(b, "IsAbsoluteLatestVersion", r.isAbsoluteLatest())
	boolProp(b, "IsPrerelease", e.Version.IsPrerelease())
	prop(b, "Language", m.Language)
	dateProp(b, "LastUpdated", e.Published)
	dateProp(b, "Published", r.published())
	prop(b, "PackageHash", e.SHA512)
	prop(b, "PackageHashAlgorithm", "SHA512")
	intProp(b, "PackageSize", "Edm.Int64", e.Size)
	prop(b, "ProjectUrl", m.ProjectURL)
	prop(b, "ReportAbuseUrl", "")
	prop(b, "ReleaseNotes", m.ReleaseNotes)
	boolProp(b, "RequireLicenseAcceptance", m.RequireLicenseAcceptance)
	prop(b, "Summary", m.Summary)
	tagsProp(b, tags(m))
	prop(b, "Title", m.Title)
	intProp(b, "VersionDownloadCount", "Edm.Int32", int32Clamp(e.Downloads))
	prop(b, "MinClientVersion", m.MinClientVersion)
	b.WriteString(`<d:LastEdited m:type="Edm.DateTime" m:null="true" />`)
	prop(b, "LicenseUrl", m.LicenseURL)
	licenseNames := ""
	if m.License != nil && m.License.Type == "expression" {
		licenseNames = m.License.Text
	}
	prop(b, "LicenseNames", licenseNames)
	prop(b, "LicenseReportUrl", "")
	// NuGet.Server's extras: clients ignore them, people reading the feed do not.
	boolProp(b, "Listed", e.Listed)
	prop(b, "Owners", strings.Join(m.Owners, ", "))
	b.WriteString("</m:properties></entry>")
}

// writeKey writes Packages(Id='…',Version='…'); a quote in a value is doubled.
func writeKey(b *bytes.Buffer, id, version string) {
	b.WriteString("Packages(Id='")
	escape(b, strings.ReplaceAll(id, "'", "''"))
	b.WriteString("',Version='")
	escape(b, strings.ReplaceAll(version, "'", "''"))
	b.WriteString("')")
}

// pathEscape escapes a path segment; ids and versions rarely need it ("+" in
// build metadata does).
func pathEscape(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			var b strings.Builder
			for j := 0; j < len(s); j++ {
				c := s[j]
				if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
					b.WriteByte(c)
				} else {
					b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)>>4, 16)) + strings.ToUpper(strconv.FormatUint(uint64(c)&15, 16)))
				}
			}
			return b.String()
		}
	}
	return s
}

// prop writes <d:Name>value</d:Name>, or m:null for an empty value (the
// 5.8 client reads m:null as "no value").
func prop(b *bytes.Buffer, name, v string) {
	open(b, name)
	if v == "" {
		b.WriteString(` m:null="true" />`)
		return
	}
	b.WriteByte('>')
	escape(b, v)
	closeTag(b, name)
}

// open and closeTag write "<d:Name" and "</d:Name>" without building strings:
// the feed is restore's hot path.
func open(b *bytes.Buffer, name string) {
	b.WriteString("<d:")
	b.WriteString(name)
}

func closeTag(b *bytes.Buffer, name string) {
	b.WriteString("</d:")
	b.WriteString(name)
	b.WriteByte('>')
}

func tagsProp(b *bytes.Buffer, v string) {
	if v == "" {
		prop(b, "Tags", "")
		return
	}
	// xml:space keeps the padding spaces the search fallback relies on.
	b.WriteString(`<d:Tags xml:space="preserve">`)
	escape(b, v)
	b.WriteString("</d:Tags>")
}

func boolProp(b *bytes.Buffer, name string, v bool) {
	open(b, name)
	b.WriteString(` m:type="Edm.Boolean">`)
	b.WriteString(strconv.FormatBool(v))
	closeTag(b, name)
}

func intProp(b *bytes.Buffer, name, typ string, n int64) {
	open(b, name)
	b.WriteString(` m:type="`)
	b.WriteString(typ)
	b.WriteString(`">`)
	var tmp [20]byte
	b.Write(strconv.AppendInt(tmp[:0], n, 10))
	closeTag(b, name)
}

func dateProp(b *bytes.Buffer, name string, t time.Time) {
	open(b, name)
	if t.IsZero() {
		b.WriteString(` m:type="Edm.DateTime" m:null="true" />`)
		return
	}
	b.WriteString(` m:type="Edm.DateTime">`)
	var tmp [32]byte
	b.Write(t.UTC().AppendFormat(tmp[:0], edmDateTime))
	closeTag(b, name)
}

// escape writes s as XML character data or attribute text: markup
// characters escaped, characters XML 1.0 forbids replaced by U+FFFD.
func escape(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var rep string
			switch {
			case c == '&':
				rep = "&amp;"
			case c == '<':
				rep = "&lt;"
			case c == '>':
				rep = "&gt;"
			case c == '"':
				rep = "&quot;"
			case c == '\t' || c == '\n' || c == '\r':
				// allowed as is
			case c < 0x20:
				rep = "\uFFFD"
			}
			if rep != "" {
				b.WriteString(s[last:i])
				b.WriteString(rep)
				last = i + 1
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			b.WriteString(s[last:i])
			b.WriteString("\uFFFD")
			last = i + size
		}
		i += size
	}
	b.WriteString(s[last:])
}
