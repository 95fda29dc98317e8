package v2

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedserver/feedserver/protocol/httpx"
)

// errQuery marks a query the feed does not support or cannot parse; it is
// answered with 400 and the message, never silently ignored.
var errQuery = httpx.NewError(httpx.Invalid, "unsupported query")

// Limits on untrusted query text: the longest filter NuGet clients send is the
// substringof search fallback (a few hundred bytes).
const (
	maxExprLen   = 4096
	maxExprDepth = 64
)

// valueType is the static type of an expression, checked when it is parsed
// so that evaluation never fails.
type valueType int

const (
	typeNull valueType = iota
	typeBool
	typeString
	typeInt
	typeTime
)

func (t valueType) String() string {
	return [...]string{"null", "Edm.Boolean", "Edm.String", "Edm.Int64", "Edm.DateTime"}[t]
}

// value is the result of evaluating an expression on one row. A null string
// property (an empty manifest field) has null set.
type value struct {
	typ  valueType
	null bool
	s    string
	n    int64
	b    bool
	t    time.Time
}

// node is one expression of the abstract syntax tree.
type node struct {
	op   nodeOp
	name string // property, function or operator name
	args []*node
	lit  value // for opLit
	typ  valueType
}

type nodeOp int

const (
	opLit nodeOp = iota
	opProp
	opCall
	opAnd
	opOr
	opNot
	opCompare // name is eq, ne, gt, ge, lt, le
)

// properties the filter and orderby may name, with their types. Names match
// case-insensitively and resolve to the canonical spelling of $metadata.
var filterProperties = map[string]valueType{
	"Id": typeString, "Version": typeString, "NormalizedVersion": typeString,
	"Title": typeString, "Description": typeString, "Summary": typeString,
	"Tags": typeString, "Authors": typeString, "Owners": typeString,
	"Copyright": typeString, "Language": typeString, "ReleaseNotes": typeString,
	"ProjectUrl": typeString, "IconUrl": typeString, "LicenseUrl": typeString,
	"Dependencies": typeString, "MinClientVersion": typeString,
	"PackageHash": typeString, "PackageHashAlgorithm": typeString,
	"IsLatestVersion": typeBool, "IsAbsoluteLatestVersion": typeBool,
	"IsPrerelease": typeBool, "Listed": typeBool, "RequireLicenseAcceptance": typeBool,
	"DownloadCount": typeInt, "VersionDownloadCount": typeInt, "PackageSize": typeInt,
	"Published": typeTime, "Created": typeTime, "LastUpdated": typeTime,
}

// canonicalProperty returns the $metadata spelling of a property name.
func canonicalProperty(name string) (string, valueType, bool) {
	if t, ok := filterProperties[name]; ok {
		return name, t, true
	}
	for p, t := range filterProperties {
		if strings.EqualFold(p, name) {
			return p, t, true
		}
	}
	return "", 0, false
}

// functions: the OData v2 string functions clients send, with argument and
// result types (typeNull in args accepts a string or null).
var functions = map[string]struct {
	args   []valueType
	result valueType
}{
	"tolower":     {[]valueType{typeString}, typeString},
	"toupper":     {[]valueType{typeString}, typeString},
	"trim":        {[]valueType{typeString}, typeString},
	"length":      {[]valueType{typeString}, typeInt},
	"substringof": {[]valueType{typeString, typeString}, typeBool}, // (needle, haystack): NuGet's search fallback
	"startswith":  {[]valueType{typeString, typeString}, typeBool},
	"endswith":    {[]valueType{typeString, typeString}, typeBool},
	"indexof":     {[]valueType{typeString, typeString}, typeInt},
	"concat":      {[]valueType{typeString, typeString}, typeString}, // NuGet 2.x sorts by concat(Title,Id)
}

// --- tokenizer ---------------------------------------------------------------

type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIdent
	tokString
	tokInt
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokenKind
	text string // identifier, decoded string literal or digits
	pos  int
}

func tokenize(s string) ([]token, error) {
	if len(s) > maxExprLen {
		return nil, fmt.Errorf("%w: expression longer than %d bytes", errQuery, maxExprLen)
	}
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			toks = append(toks, token{tokLParen, "(", i})
			i++
		case c == ')':
			toks = append(toks, token{tokRParen, ")", i})
			i++
		case c == ',':
			toks = append(toks, token{tokComma, ",", i})
			i++
		case c == '\'':
			text, n, err := readString(s[i:])
			if err != nil {
				return nil, fmt.Errorf("%w at offset %d", err, i)
			}
			toks = append(toks, token{tokString, text, i})
			i += n
		case c >= '0' && c <= '9' || c == '-' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && (s[j] == '.' || s[j] == 'L' || s[j] == 'l' || s[j] == 'M' || s[j] == 'm') {
				return nil, fmt.Errorf("%w: number %q at offset %d: only plain integers are supported", errQuery, s[i:j+1], i)
			}
			toks = append(toks, token{tokInt, s[i:j], i})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(s) && isIdentPart(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '\'' {
				return nil, fmt.Errorf("%w: typed literal %s'...' at offset %d is not supported", errQuery, s[i:j], i)
			}
			toks = append(toks, token{tokIdent, s[i:j], i})
			i = j
		default:
			return nil, fmt.Errorf("%w: unexpected character %q at offset %d", errQuery, rune(c), i)
		}
	}
	return append(toks, token{tokEOF, "", len(s)}), nil
}

func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isIdentPart(c byte) bool  { return isIdentStart(c) || c >= '0' && c <= '9' }

// readString reads an OData string literal at the start of s: single quotes,
// a quote inside doubled (NuGet2 UrlEncodeOdataParameter). It returns the
// decoded text and the bytes consumed.
func readString(s string) (string, int, error) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '\'' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '\'' {
			b.WriteByte('\'')
			i++
			continue
		}
		return b.String(), i + 1, nil
	}
	return "", 0, fmt.Errorf("%w: unterminated string literal", errQuery)
}

// --- parser --------------------------------------------------------------------

type parser struct {
	toks  []token
	pos   int
	depth int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tokEOF {
		p.pos++
	}
	return t
}

// keyword reports whether the next token is the identifier kw (OData
// keywords are lowercase; any case is accepted).
func (p *parser) keyword(kw string) bool {
	t := p.peek()
	return t.kind == tokIdent && strings.EqualFold(t.text, kw)
}

// parseExpr parses a whole expression of any type.
func parseExpr(s string) (*node, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, fmt.Errorf("%w: unexpected %q at offset %d", errQuery, t.text, t.pos)
	}
	return n, nil
}

// parseFilter parses a $filter: an expression of type Edm.Boolean.
func parseFilter(s string) (*node, error) {
	n, err := parseExpr(s)
	if err != nil {
		return nil, fmt.Errorf("$filter: %w", err)
	}
	if n.typ != typeBool {
		return nil, fmt.Errorf("$filter: %w: the expression is %s, not Edm.Boolean", errQuery, n.typ)
	}
	return n, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxExprDepth {
		return fmt.Errorf("%w: expression nested deeper than %d", errQuery, maxExprDepth)
	}
	return nil
}

func (p *parser) or() (*node, error) {
	return p.binary("or", opOr, p.and)
}

func (p *parser) and() (*node, error) {
	return p.binary("and", opAnd, p.comparison)
}

// binary parses a left-associative chain of a boolean operator.
func (p *parser) binary(kw string, op nodeOp, operand func() (*node, error)) (*node, error) {
	left, err := operand()
	if err != nil {
		return nil, err
	}
	for p.keyword(kw) {
		t := p.next()
		right, err := operand()
		if err != nil {
			return nil, err
		}
		if left.typ != typeBool || right.typ != typeBool {
			return nil, fmt.Errorf("%w: %q at offset %d needs Edm.Boolean operands, got %s and %s", errQuery, kw, t.pos, left.typ, right.typ)
		}
		left = &node{op: op, name: kw, args: []*node{left, right}, typ: typeBool}
	}
	return left, nil
}

var comparisons = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *parser) comparison() (*node, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind == tokIdent && comparisons[strings.ToLower(t.text)] {
		p.next()
		op := strings.ToLower(t.text)
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		if err := checkComparison(op, left, right); err != nil {
			return nil, fmt.Errorf("%w (offset %d)", err, t.pos)
		}
		return &node{op: opCompare, name: op, args: []*node{left, right}, typ: typeBool}, nil
	}
	if t.kind == tokIdent && isArithmetic(t.text) {
		return nil, fmt.Errorf("%w: operator %q at offset %d is not supported", errQuery, t.text, t.pos)
	}
	return left, nil
}

func isArithmetic(s string) bool {
	switch strings.ToLower(s) {
	case "add", "sub", "mul", "div", "mod", "has", "in":
		return true
	}
	return false
}

func checkComparison(op string, l, r *node) error {
	if l.typ == typeNull || r.typ == typeNull {
		if op != "eq" && op != "ne" {
			return fmt.Errorf("%w: null can only be compared with eq or ne", errQuery)
		}
		return nil
	}
	if l.typ != r.typ {
		return fmt.Errorf("%w: cannot compare %s with %s", errQuery, l.typ, r.typ)
	}
	if l.typ == typeBool && op != "eq" && op != "ne" {
		return fmt.Errorf("%w: Edm.Boolean values can only be compared with eq or ne", errQuery)
	}
	return nil
}

func (p *parser) unary() (*node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	if p.keyword("not") {
		t := p.next()
		operand, err := p.unary()
		if err != nil {
			return nil, err
		}
		if operand.typ != typeBool {
			return nil, fmt.Errorf("%w: \"not\" at offset %d needs an Edm.Boolean operand, got %s", errQuery, t.pos, operand.typ)
		}
		return &node{op: opNot, name: "not", args: []*node{operand}, typ: typeBool}, nil
	}
	return p.primary()
}

func (p *parser) primary() (*node, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return &node{op: opLit, lit: value{typ: typeString, s: t.text}, typ: typeString}, nil
	case tokInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: integer %s at offset %d is out of range", errQuery, t.text, t.pos)
		}
		return &node{op: opLit, lit: value{typ: typeInt, n: n}, typ: typeInt}, nil
	case tokLParen:
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, fmt.Errorf("%w: missing ')' at offset %d", errQuery, c.pos)
		}
		return n, nil
	case tokIdent:
		return p.identifier(t)
	case tokEOF:
		return nil, fmt.Errorf("%w: the expression ends too early", errQuery)
	}
	return nil, fmt.Errorf("%w: unexpected %q at offset %d", errQuery, t.text, t.pos)
}

func (p *parser) identifier(t token) (*node, error) {
	switch strings.ToLower(t.text) {
	case "null":
		return &node{op: opLit, lit: value{typ: typeNull, null: true}, typ: typeNull}, nil
	case "true", "false":
		b := strings.EqualFold(t.text, "true")
		return &node{op: opLit, lit: value{typ: typeBool, b: b}, typ: typeBool}, nil
	}
	if p.peek().kind == tokLParen {
		return p.call(t)
	}
	name, typ, ok := canonicalProperty(t.text)
	if !ok {
		return nil, fmt.Errorf("%w: unknown property %q at offset %d", errQuery, t.text, t.pos)
	}
	return &node{op: opProp, name: name, typ: typ}, nil
}

func (p *parser) call(t token) (*node, error) {
	name := strings.ToLower(t.text)
	fn, ok := functions[name]
	if !ok {
		return nil, fmt.Errorf("%w: function %q at offset %d is not supported", errQuery, t.text, t.pos)
	}
	p.next() // (
	var args []*node
	if p.peek().kind != tokRParen {
		for {
			a, err := p.or()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek().kind != tokComma {
				break
			}
			p.next()
		}
	}
	if c := p.next(); c.kind != tokRParen {
		return nil, fmt.Errorf("%w: missing ')' after the arguments of %s at offset %d", errQuery, name, c.pos)
	}
	if len(args) != len(fn.args) {
		return nil, fmt.Errorf("%w: %s takes %d arguments, got %d (offset %d)", errQuery, name, len(fn.args), len(args), t.pos)
	}
	for i, a := range args {
		if a.typ != fn.args[i] && a.typ != typeNull {
			return nil, fmt.Errorf("%w: argument %d of %s must be %s, got %s (offset %d)", errQuery, i+1, name, fn.args[i], a.typ, t.pos)
		}
	}
	return &node{op: opCall, name: name, args: args, typ: fn.result}, nil
}

// --- evaluation ----------------------------------------------------------------

// properties gives the value of a named property for one row.
type properties interface {
	property(name string) value
}

// truth evaluates a boolean expression; null counts as false.
func (n *node) truth(r properties) bool {
	v := n.eval(r)
	return !v.null && v.b
}

func (n *node) eval(r properties) value {
	switch n.op {
	case opLit:
		return n.lit
	case opProp:
		return r.property(n.name)
	case opAnd:
		return boolValue(n.args[0].truth(r) && n.args[1].truth(r))
	case opOr:
		return boolValue(n.args[0].truth(r) || n.args[1].truth(r))
	case opNot:
		v := n.args[0].eval(r)
		if v.null {
			return v
		}
		return boolValue(!v.b)
	case opCompare:
		return boolValue(compareOp(n.name, n.args[0].eval(r), n.args[1].eval(r)))
	case opCall:
		return call(n.name, n.args, r)
	}
	return value{typ: typeNull, null: true}
}

func boolValue(b bool) value { return value{typ: typeBool, b: b} }

func compareOp(op string, a, b value) bool {
	if a.null || b.null {
		switch op {
		case "eq":
			return a.null && b.null
		case "ne":
			return a.null != b.null
		}
		return false
	}
	c := compareValues(a, b)
	switch op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	case "le":
		return c <= 0
	}
	return false
}

// compareValues orders two non-null values of one type; strings compare
// ordinally, as WCF Data Services does.
func compareValues(a, b value) int {
	switch a.typ {
	case typeString:
		return strings.Compare(a.s, b.s)
	case typeInt:
		return cmpInt(a.n, b.n)
	case typeBool:
		if a.b == b.b {
			return 0
		}
		if !a.b {
			return -1
		}
		return 1
	case typeTime:
		return a.t.Compare(b.t)
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func call(name string, args []*node, r properties) value {
	a := args[0].eval(r)
	var b value
	if len(args) > 1 {
		b = args[1].eval(r)
	}
	if a.null || len(args) > 1 && b.null {
		if name == "concat" {
			return value{typ: typeString, s: a.s + b.s} // null concatenates as ""
		}
		return value{typ: functions[name].result, null: true}
	}
	switch name {
	case "tolower":
		return value{typ: typeString, s: strings.ToLower(a.s)}
	case "toupper":
		return value{typ: typeString, s: strings.ToUpper(a.s)}
	case "trim":
		return value{typ: typeString, s: strings.TrimSpace(a.s)}
	case "length":
		return value{typ: typeInt, n: int64(len([]rune(a.s)))}
	case "substringof":
		return boolValue(strings.Contains(b.s, a.s))
	case "startswith":
		return boolValue(strings.HasPrefix(a.s, b.s))
	case "endswith":
		return boolValue(strings.HasSuffix(a.s, b.s))
	case "indexof":
		return value{typ: typeInt, n: int64(strings.Index(a.s, b.s))}
	case "concat":
		return value{typ: typeString, s: a.s + b.s}
	}
	return value{typ: typeNull, null: true}
}

// --- analysis --------------------------------------------------------------------

// pinnedID returns the package id a filter restricts results to, when a
// conjunct at the top level is Id eq '…' or tolower/toupper(Id) eq '…' (NuGet
// 2.x's exact lookups), so the feed reads one id's versions instead of all.
func pinnedID(n *node) (string, bool) {
	if n == nil {
		return "", false
	}
	switch n.op {
	case opAnd:
		if id, ok := pinnedID(n.args[0]); ok {
			return id, true
		}
		return pinnedID(n.args[1])
	case opCompare:
		if n.name != "eq" {
			return "", false
		}
		l, r := n.args[0], n.args[1]
		if l.op == opLit {
			l, r = r, l
		}
		if r.op != opLit || r.typ != typeString || !isIDRef(l) {
			return "", false
		}
		return r.lit.s, true
	}
	return "", false
}

func isIDRef(n *node) bool {
	if n.op == opProp {
		return n.name == "Id"
	}
	return n.op == opCall && (n.name == "tolower" || n.name == "toupper") && isIDRef(n.args[0])
}

// isFlag reports whether the filter is exactly the boolean property name,
// as in $filter=IsLatestVersion.
func isFlag(n *node, name string) bool {
	return n != nil && n.op == opProp && n.name == name
}

// --- $orderby --------------------------------------------------------------------

// orderItem is one key of $orderby.
type orderItem struct {
	expr *node
	desc bool
}

// parseOrderBy parses "Id", "Version desc", "DownloadCount desc,Id",
// "concat(Title,Id)"; an item is an expression of a comparable type with an
// optional asc or desc.
func parseOrderBy(s string) ([]orderItem, error) {
	if len(s) > maxExprLen {
		return nil, fmt.Errorf("$orderby: %w: longer than %d bytes", errQuery, maxExprLen)
	}
	var items []orderItem
	for _, part := range splitTopLevel(s) {
		part = strings.TrimSpace(part)
		desc := false
		lower := strings.ToLower(part)
		switch {
		case strings.HasSuffix(lower, " desc"):
			desc, part = true, strings.TrimSpace(part[:len(part)-len(" desc")])
		case strings.HasSuffix(lower, " asc"):
			part = strings.TrimSpace(part[:len(part)-len(" asc")])
		}
		if part == "" {
			return nil, fmt.Errorf("$orderby: %w: an empty sort key in %q", errQuery, s)
		}
		n, err := parseExpr(part)
		if err != nil {
			return nil, fmt.Errorf("$orderby: %w", err)
		}
		if n.typ == typeNull {
			return nil, fmt.Errorf("$orderby: %w: cannot sort by null", errQuery)
		}
		items = append(items, orderItem{expr: n, desc: desc})
	}
	return items, nil
}

// splitTopLevel splits s on commas outside parentheses and string literals.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start, quoted := 0, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			quoted = !quoted // a doubled '' toggles twice: still right
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}
