package web

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// markdown renders a package's readme for its page. The readme is package
// text, written by whoever pushed the package, so it is untrusted twice
// over: goldmark (CommonMark with GitHub's tables, strikethrough, autolinks
// and task lists, what readmes are written for) shows any HTML in it as
// text instead of passing it through, and drops links to dangerous schemes;
// then bluemonday's policy for user content keeps only harmless elements
// and attributes (no script, iframe, style, on* handler or javascript: URL),
// in case the first step lets something through. The page's CSP
// (img-src 'self' data:) also keeps images from other hosts from loading,
// so a readme cannot track its readers.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	return &markdown{
		md: goldmark.New(
			goldmark.WithExtensions(extension.GFM),
			goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, 0))),
		),
		policy: bluemonday.UGCPolicy(),
	}
}

// render is the readme as HTML safe to put in a page.
func (m *markdown) render(readme []byte) (template.HTML, error) {
	var out bytes.Buffer
	if err := m.md.Convert(readme, &out); err != nil {
		return "", fmt.Errorf("render the readme: %w", err)
	}
	// The sanitiser's output is the one string the page trusts as HTML.
	return template.HTML(m.policy.SanitizeBytes(out.Bytes())), nil //nolint:gosec // sanitised just now
}

// rawHTMLAsText renders HTML written in the Markdown as the text it is: a
// block as preformatted text, inline tags escaped where they stand. It is
// registered before goldmark's own renderer (priority 0 beats its 1000),
// which would otherwise drop them.
type rawHTMLAsText struct{}

func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHTMLBlock, renderHTMLBlockAsText)
	reg.Register(ast.KindRawHTML, renderRawHTMLAsText)
}

func renderHTMLBlockAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.HTMLBlock)
	if !entering {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<pre><code>")
	for i := range n.Lines().Len() {
		line := n.Lines().At(i)
		_, _ = w.Write(util.EscapeHTML(line.Value(source)))
	}
	if n.HasClosure() {
		_, _ = w.Write(util.EscapeHTML(n.ClosureLine.Value(source)))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkContinue, nil
}

func renderRawHTMLAsText(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	for i := range n.Segments.Len() {
		seg := n.Segments.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
	}
	return ast.WalkSkipChildren, nil
}
