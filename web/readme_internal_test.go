package web

import (
	"regexp"
	"strings"
	"testing"
)

// forbidden is what no tag of a rendered readme may hold: an element that
// runs or embeds something, an event handler attribute, a script URL. Text
// may say all of these: it is escaped, so it holds no tag.
var (
	tags      = regexp.MustCompile(`<[^>]*>`)
	forbidden = regexp.MustCompile(`(?i)^<\s*/?\s*(script|iframe|object|embed|style|form|input|svg|math|base|meta|link)\b|\son[a-z]+\s*=|javascript:|vbscript:|data:text/html`)
)

// activeContent is the first forbidden thing in the tags of html, or "".
func activeContent(html string) string {
	for _, tag := range tags.FindAllString(html, -1) {
		if bad := forbidden.FindString(tag); bad != "" {
			return tag
		}
	}
	return ""
}

func TestReadmeIsSanitised(t *testing.T) {
	m := newMarkdown()
	cases := []struct {
		name   string
		readme string
		want   []string // in the output, as is
	}{
		{"script block shown as text", "# Hi\n\n<script>alert(1)</script>\n", []string{"<h1", "&lt;script&gt;alert(1)&lt;/script&gt;"}},
		{"inline script shown as text", "Hello <script>alert(1)</script> world", []string{"Hello &lt;script&gt;alert(1)&lt;/script&gt; world"}},
		{"iframe", "<iframe src=\"https://evil.example/\"></iframe>", []string{"&lt;iframe"}},
		{"inline iframe", "see <iframe src=x></iframe>", []string{"see &lt;iframe"}},
		{"event handler in raw HTML", "<img src=x onerror=alert(1)>", []string{"&lt;img src=x onerror=alert(1)&gt;"}},
		{"inline event handler", "a <a href=\"#\" onclick=\"alert(1)\">b</a>", []string{"&lt;a href="}},
		{"javascript: link", "[click](javascript:alert(1))", []string{"click"}},
		{"JaVaScRiPt: link with entities", "[click](JaVaScRiPt&#58;alert(1))", []string{"click"}},
		{"javascript: image", "![x](javascript:alert(1))", nil},
		{"javascript: autolink", "<javascript:alert(1)>", nil},
		{"vbscript: link", "[v](vbscript:msgbox)", []string{">v<"}},
		{"data: html link", "[d](data:text/html;base64,PHNjcmlwdD4=)", []string{">d<"}},
		{"reference link to javascript:", "[x][1]\n\n[1]: javascript:alert(1)", nil},
		{"style block", "<style>body{display:none}</style>", []string{"&lt;style&gt;"}},
		{"svg with script", "<svg><script>alert(1)</script></svg>", []string{"&lt;svg&gt;"}},
		{"html comment", "<!-- <script>alert(1)</script> -->", []string{"&lt;!--"}},
		{"fine markdown kept", "**bold** `code` [site](https://example.org/x)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done",
			[]string{"<strong>bold</strong>", "<code>code</code>", `href="https://example.org/x"`, "<table>", "<td>1</td>"}},
		{"fenced code escaped", "```html\n<script>alert(1)</script>\n```", []string{"&lt;script&gt;"}},
	}
	for _, tc := range cases {
		got, err := m.render([]byte(tc.readme))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if bad := activeContent(string(got)); bad != "" {
			t.Errorf("%s: the output holds %q:\n%s", tc.name, bad, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(got), w) {
				t.Errorf("%s: the output lacks %q:\n%s", tc.name, w, got)
			}
		}
	}
}

// FuzzReadme: whatever the readme, the page gets no active content.
func FuzzReadme(f *testing.F) {
	for _, s := range []string{"# t\n<script>x</script>", "[a](javascript:x)", "<img src=x onerror=y>", "<a href=\"java\nscript:x\">", "`<iframe>`"} {
		f.Add(s)
	}
	m := newMarkdown()
	f.Fuzz(func(t *testing.T, readme string) {
		got, err := m.render([]byte(readme))
		if err != nil {
			t.Fatal(err)
		}
		if bad := activeContent(string(got)); bad != "" {
			t.Fatalf("readme %q renders %q:\n%s", readme, bad, got)
		}
	})
}
