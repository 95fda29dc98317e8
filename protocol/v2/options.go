package v2

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// pageSize is the most entries one response holds; a larger $top continues
// through next links (nuget.org pages by 100).
const pageSize = 100

// queryOptions are the system query options and function parameters of one
// request.
type queryOptions struct {
	values     url.Values
	filter     *node // nil: no $filter
	orderBy    []orderItem
	top        int // -1: no $top
	skip       int
	inlineCnt  bool // $inlinecount=allpages: m:count in the feed
	semVer2    bool // semVerLevel >= 2.0.0
	prerelease bool // includePrerelease (Search, GetUpdates)
}

// systemOptions lists every $option and what we do with it; anything else
// starting with "$" is refused by name.
var systemOptions = map[string]bool{
	"$filter": true, "$orderby": true, "$top": true, "$skip": true,
	"$select":      true, // ignored: entries are always complete (NuGet 2.x sends $select=Id for existence checks)
	"$inlinecount": true, "$format": true,
}

// parseOptions reads the query string of a v2 request.
func parseOptions(rawQuery string) (queryOptions, error) {
	o := queryOptions{top: -1}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return o, fmt.Errorf("%w: query string: %v", errQuery, err)
	}
	o.values = values
	for name := range values {
		if strings.HasPrefix(name, "$") && !systemOptions[strings.ToLower(name)] {
			return o, fmt.Errorf("%w: query option %s is not supported", errQuery, name)
		}
	}
	if s := o.get("$filter"); s != "" {
		if o.filter, err = parseFilter(s); err != nil {
			return o, err
		}
	}
	if s := o.get("$orderby"); s != "" {
		if o.orderBy, err = parseOrderBy(s); err != nil {
			return o, err
		}
	}
	if s := o.get("$top"); s != "" {
		if o.top, err = nonNegative("$top", s); err != nil {
			return o, err
		}
	}
	if s := o.get("$skip"); s != "" {
		if o.skip, err = nonNegative("$skip", s); err != nil {
			return o, err
		}
	}
	switch s := strings.ToLower(o.get("$inlinecount")); s {
	case "", "none":
	case "allpages":
		o.inlineCnt = true
	default:
		return o, fmt.Errorf("%w: $inlinecount=%s (want allpages or none)", errQuery, s)
	}
	switch s := strings.ToLower(o.get("$format")); s {
	case "", "atom", "xml", "application/atom+xml":
	default:
		return o, fmt.Errorf("%w: $format=%s: this feed answers in Atom only", errQuery, s)
	}
	o.semVer2 = semVer2(literal(o.get("semVerLevel")))
	o.prerelease = boolParam(o.get("includePrerelease"))
	return o, nil
}

// get is the first value of a parameter; names match case-insensitively
// ("$filter" and "$Filter"; "searchTerm" and "searchterm").
func (o queryOptions) get(name string) string {
	if v, ok := o.values[name]; ok && len(v) > 0 {
		return v[0]
	}
	for k, v := range o.values {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func nonNegative(name, s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%w: %s=%s is not a non-negative integer", errQuery, name, s)
	}
	return n, nil
}

// semVer2 reports whether a semVerLevel value asks for SemVer 2.0.0 packages
// (clients since NuGet 4.3 send semVerLevel=2.0.0).
func semVer2(s string) bool {
	major, _, _ := strings.Cut(strings.TrimSpace(s), ".")
	n, err := strconv.Atoi(major)
	return err == nil && n >= 2
}

// boolParam reads includePrerelease=true, also quoted ('true').
func boolParam(s string) bool { return strings.EqualFold(literal(s), "true") }
