package octopus

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/feedserver/feedserver/auth"
	"github.com/feedserver/feedserver/index"
)

// builtInFeedID is the id of the built-in feed in every space. Clients find
// it with feeds?feedType=BuiltIn (the octopus CLI) rather than assume it.
const builtInFeedID = "feeds-builtin"

// publishedLayout is Octopus' DateTimeOffset format, yyyy-MM-ddTHH:mm:ss.fffzzz.
const publishedLayout = "2006-01-02T15:04:05.000-07:00"

// Link templates of one space, RFC 6570 as Octopus writes them (docs/protocol/octopus.md §6.1).
// Octopus.Client sends overwriteMode only when the PackageUpload template
// names it, else the legacy replace.
const (
	tmplPackageUpload         = "/packages/raw{?replace,overwriteMode}"
	tmplPackageDeltaSignature = "/packages/{packageId}/{version}/delta-signature"
	tmplPackageDeltaUpload    = "/packages/{packageId}/{baseVersion}/delta{?replace,overwriteMode}"
	tmplPackages              = "/packages{/id}{?nuGetPackageId,filter,latest,skip,take,includeNotes}"
	tmplPackagesBulk          = "/packages/bulk{?ids}"
	tmplPackageNotesList      = "/packages/notes{?packageIds}"
	tmplFeeds                 = "/feeds{/id}{?skip,take,ids,partialName,feedType,name}"
	tmplBuiltInFeedStats      = "/feeds/stats"
)

// rootResource is GET /api. Octopus.Client checks ApiVersion and follows
// Links; api-client reads Version and InstallationId.
type rootResource struct {
	Application        string            `json:"Application"`
	Version            string            `json:"Version"`
	APIVersion         string            `json:"ApiVersion"`
	InstallationID     string            `json:"InstallationId"`
	HasLongTermSupport bool              `json:"HasLongTermSupport"`
	Links              map[string]string `json:"Links"`
}

// spaceLinks are the space-scoped links, in the root document (for the
// default space, as real servers do) and in each space root.
func spaceLinks(l links, space string) map[string]string {
	return map[string]string{
		"PackageUpload":         l.space(space, tmplPackageUpload),
		"PackageDeltaSignature": l.space(space, tmplPackageDeltaSignature),
		"PackageDeltaUpload":    l.space(space, tmplPackageDeltaUpload),
		"Packages":              l.space(space, tmplPackages),
		"PackagesBulk":          l.space(space, tmplPackagesBulk),
		"PackageNotesList":      l.space(space, tmplPackageNotesList),
		"Feeds":                 l.space(space, tmplFeeds),
		"BuiltInFeedStats":      l.space(space, tmplBuiltInFeedStats),
	}
}

func newRoot(l links, installationID string) rootResource {
	ls := spaceLinks(l, auth.DefaultSpaceID)
	ls["Self"] = l.api("")
	ls["Spaces"] = l.api("/spaces{/id}{?skip,ids,take,partialName}")
	ls["SpaceHome"] = l.api("/{spaceId}")
	ls["CurrentUser"] = l.api("/users/me")
	ls["Users"] = l.api("/users{/id}{?skip,take,ids,filter}")
	return rootResource{
		Application:        "Octopus Deploy",
		Version:            serverVersion,
		APIVersion:         apiVersion,
		InstallationID:     installationID,
		HasLongTermSupport: false,
		Links:              ls,
	}
}

// spaceRootResource is GET /api/{spaceId}: .NET looks links up here first,
// then in the root; go-octopusdeploy needs a 200 to accept the space.
type spaceRootResource struct {
	ID    string            `json:"Id"`
	Links map[string]string `json:"Links"`
}

func newSpaceRoot(l links, space string) spaceRootResource {
	ls := spaceLinks(l, space)
	ls["Self"] = l.space(space, "")
	return spaceRootResource{ID: space, Links: ls}
}

// spaceResource is one space: octo and the Go client pick IsDefault,
// api-client matches Name and takes Id, .NET follows Links.SpaceHome.
type spaceResource struct {
	ID                       string            `json:"Id"`
	Name                     string            `json:"Name"`
	Slug                     string            `json:"Slug"`
	Description              *string           `json:"Description"`
	IsDefault                bool              `json:"IsDefault"`
	IsPrivate                bool              `json:"IsPrivate"`
	TaskQueueStopped         bool              `json:"TaskQueueStopped"`
	SpaceManagersTeams       []string          `json:"SpaceManagersTeams"`
	SpaceManagersTeamMembers []string          `json:"SpaceManagersTeamMembers"`
	Icon                     *string           `json:"Icon"`
	ExtensionSettings        []any             `json:"ExtensionSettings"`
	Links                    map[string]string `json:"Links"`
}

func newSpace(l links, sp auth.Space) spaceResource {
	return spaceResource{
		ID:                       sp.ID,
		Name:                     sp.Name,
		Slug:                     slug(sp.Name),
		Description:              optional(sp.Description),
		IsDefault:                sp.IsDefault(),
		SpaceManagersTeams:       []string{},
		SpaceManagersTeamMembers: []string{},
		ExtensionSettings:        []any{},
		Links: map[string]string{
			"Self":      l.api("/spaces/" + sp.ID),
			"SpaceHome": l.space(sp.ID, ""),
			"Web":       l.prefix + "/app#/spaces/" + sp.ID,
			"Search":    l.api("/spaces/" + sp.ID + "/search"),
		},
	}
}

// slug is Octopus' lower-case, dash-separated form of a name.
func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	return b.String()
}

// userResource is GET /api/users/me: octo logs DisplayName, EmailAddress and
// IsService; Octopus.Client follows Links.Spaces to find the default space.
type userResource struct {
	ID                  string            `json:"Id"`
	Username            string            `json:"Username"`
	DisplayName         string            `json:"DisplayName"`
	IsActive            bool              `json:"IsActive"`
	IsService           bool              `json:"IsService"`
	EmailAddress        *string           `json:"EmailAddress"`
	CanPasswordBeEdited bool              `json:"CanPasswordBeEdited"`
	IsRequestor         bool              `json:"IsRequestor"`
	Identities          []any             `json:"Identities"`
	Links               map[string]string `json:"Links"`
}

// userID is the user id of an API key's principal: "Users-" and the key's
// id without its prefix, so it is stable for the key's life.
func userID(p auth.Principal) string {
	return "Users-" + strings.TrimPrefix(p.KeyID, "apikeys-")
}

func newUser(l links, p auth.Principal) userResource {
	id := userID(p)
	return userResource{
		ID:          id,
		Username:    p.Name,
		DisplayName: p.Name,
		IsActive:    true,
		IsService:   true, // an API key is what Octopus calls a service account
		IsRequestor: true,
		Identities:  []any{},
		Links: map[string]string{
			"Self":    l.api("/users/" + id),
			"Spaces":  l.api("/users/" + id + "/spaces"),
			"ApiKeys": l.api("/users/" + id + "/apikeys{/id}{?skip,take}"),
		},
	}
}

// feedResource is the built-in feed (docs/protocol/octopus.md §6.6): the octopus CLI takes its Id from
// feeds?feedType=BuiltIn and follows to packages/versions.
type feedResource struct {
	ID                                   string            `json:"Id"`
	Name                                 string            `json:"Name"`
	Slug                                 string            `json:"Slug"`
	FeedType                             string            `json:"FeedType"`
	SpaceID                              string            `json:"SpaceId"`
	PackageAcquisitionLocationOptions    []string          `json:"PackageAcquisitionLocationOptions"`
	DeleteUnreleasedPackagesAfterDays    *int              `json:"DeleteUnreleasedPackagesAfterDays"`
	IsBuiltInRepoSyncEnabled             bool              `json:"IsBuiltInRepoSyncEnabled"`
	DeletePackagesAssociatedWithReleases bool              `json:"DeletePackagesAssociatedWithReleases"`
	Links                                map[string]string `json:"Links"`
}

func newFeed(l links, space string) feedResource {
	self := l.space(space, "/feeds/"+builtInFeedID)
	return feedResource{
		ID:                                builtInFeedID,
		Name:                              "Octopus Server (built-in)",
		Slug:                              "octopus-server-built-in",
		FeedType:                          "BuiltIn",
		SpaceID:                           space,
		PackageAcquisitionLocationOptions: []string{"Server", "ExecutionTarget"},
		IsBuiltInRepoSyncEnabled:          true,
		Links: map[string]string{
			"Self":                          self,
			"SearchPackagesTemplate":        self + "/packages/search{?term,skip,take}",
			"SearchPackageVersionsTemplate": self + "/packages/versions{?packageId,take,skip,includePreRelease,versionRange,preReleaseTag,filter,includeReleaseNotes}",
			"VersionsTemplate":              self + "/packages/versions{?packageId,take,skip,includePreRelease,versionRange,preReleaseTag,filter,includeReleaseNotes}",
			"NotesTemplate":                 self + "/packages/notes{?packageId,version}",
			"Packages":                      l.space(space, "/packages{?nuGetPackageId,filter,latest,skip,take}"),
			"BuiltInStatus":                 l.space(space, "/feeds/stats"),
			"NuGetPush":                     l.prefix + "/" + space + "/nuget/packages",
			"ApiPush":                       l.space(space, "/packages/raw"),
		},
	}
}

// packageResource is PackageFromBuiltInFeedResource (docs/protocol/octopus.md §3.1): every upload and
// package endpoint returns it. octopackjs reads Title, Version and
// PackageSizeBytes; Octopus.Client compares Hash with the local SHA-1 after
// a timeout; the octopus CLI decodes every field; docs scripts follow Links.Raw.
type packageResource struct {
	ID                             string            `json:"Id"`
	PackageID                      string            `json:"PackageId"`
	NuGetPackageID                 string            `json:"NuGetPackageId"`
	FeedID                         string            `json:"FeedId"`
	NuGetFeedID                    string            `json:"NuGetFeedId"`
	Title                          string            `json:"Title"`
	Summary                        *string           `json:"Summary"`
	Version                        string            `json:"Version"`
	Description                    *string           `json:"Description"`
	Published                      string            `json:"Published"`
	ReleaseNotes                   *string           `json:"ReleaseNotes"`
	FileExtension                  string            `json:"FileExtension"`
	PackageSizeBytes               int64             `json:"PackageSizeBytes"`
	Hash                           string            `json:"Hash"`
	PackageVersionBuildInformation any               `json:"PackageVersionBuildInformation"`
	LastModifiedOn                 *string           `json:"LastModifiedOn"`
	LastModifiedBy                 *string           `json:"LastModifiedBy"`
	Links                          map[string]string `json:"Links"`
}

// resourceID is "packages-{PackageId}.{Version}" with the version as pushed;
// docs scripts build it themselves.
func resourceID(e index.Entry) string {
	return "packages-" + string(e.ID) + "." + e.Version.Original()
}

func newPackage(l links, e index.Entry) packageResource {
	id := resourceID(e)
	self := l.space(e.Space, "/packages/"+url.PathEscape(id))
	p := packageResource{
		ID:               id,
		PackageID:        string(e.ID),
		NuGetPackageID:   string(e.ID),
		FeedID:           builtInFeedID,
		NuGetFeedID:      builtInFeedID,
		Title:            string(e.ID),
		Version:          e.Version.Original(),
		Published:        formatTime(e.Published),
		FileExtension:    e.Extension,
		PackageSizeBytes: e.Size,
		Hash:             e.SHA1,
		Links: map[string]string{
			"Self":        self,
			"AllVersions": l.space(e.Space, "/packages?nuGetPackageId="+url.QueryEscape(string(e.ID))),
			"Feed":        l.space(e.Space, "/feeds/"+builtInFeedID),
			"Raw":         self + "/raw",
		},
	}
	// Only NuGet packages have metadata extracted (Octopus docs, packaging-applications).
	if m := e.Manifest; m != nil {
		if m.Title != "" {
			p.Title = m.Title
		}
		p.Summary = optional(m.Summary)
		p.Description = optional(m.Description)
		p.ReleaseNotes = optional(m.ReleaseNotes)
	}
	return p
}

// packageVersionResource is one item of feeds/{id}/packages/versions (docs/protocol/octopus.md §6.6).
type packageVersionResource struct {
	ID           string            `json:"Id"`
	PackageID    string            `json:"PackageId"`
	FeedID       string            `json:"FeedId"`
	Version      string            `json:"Version"`
	Title        string            `json:"Title"`
	Published    string            `json:"Published"`
	SizeBytes    int64             `json:"SizeBytes"`
	ReleaseNotes *string           `json:"ReleaseNotes"`
	Links        map[string]string `json:"Links"`
}

func newPackageVersion(l links, e index.Entry, notes bool) packageVersionResource {
	p := newPackage(l, e)
	v := packageVersionResource{
		ID: p.ID, PackageID: p.PackageID, FeedID: builtInFeedID, Version: p.Version, Title: p.Title,
		Published: p.Published, SizeBytes: p.PackageSizeBytes,
		Links: map[string]string{"Self": p.Links["Self"], "Raw": p.Links["Raw"]},
	}
	if notes {
		v.ReleaseNotes = p.ReleaseNotes
	}
	return v
}

// packageDescriptionResource is one item of feeds/{id}/packages/search.
type packageDescriptionResource struct {
	ID            string            `json:"Id"`
	Name          string            `json:"Name"`
	LatestVersion string            `json:"LatestVersion"`
	Description   *string           `json:"Description"`
	Links         map[string]string `json:"Links"`
}

// signatureResource is the delta-signature answer: Newtonsoft writes byte[]
// as base64, which Octopus.Client and go-octopusdeploy decode.
type signatureResource struct {
	Signature   string `json:"Signature"`
	BaseVersion string `json:"BaseVersion"`
}

// feedStatsResource is feeds/stats (BuiltInFeedStatsResource).
type feedStatsResource struct {
	TotalPackages int `json:"TotalPackages"`
}

// packageNote is one element of packages/notes.
type packageNote struct {
	FeedID    string           `json:"FeedId"`
	PackageID string           `json:"PackageId"`
	Version   string           `json:"Version"`
	Notes     packageNoteNotes `json:"Notes"`
}

type packageNoteNotes struct {
	Succeeded      bool    `json:"Succeeded"`
	Notes          *string `json:"Notes"`
	FailureReason  *string `json:"FailureReason"`
	DisplayMessage *string `json:"DisplayMessage"`
}

type packageNoteList struct {
	Packages []packageNote `json:"Packages"`
}

// collection is Octopus' ResourceCollection. go-octopusdeploy and
// Octopus.Client page by following Links["Page.Next"], so it is present
// only when there is a next page.
type collection[T any] struct {
	ItemType       string            `json:"ItemType"`
	TotalResults   int               `json:"TotalResults"`
	ItemsPerPage   int               `json:"ItemsPerPage"`
	NumberOfPages  int               `json:"NumberOfPages"`
	LastPageNumber int               `json:"LastPageNumber"`
	Items          []T               `json:"Items"`
	Links          map[string]string `json:"Links"`
}

// newCollection pages items already cut to [skip, skip+take) of total.
// self is the request's path; q its query, re-used for the page links.
func newCollection[T any](itemType string, items []T, total, skip, take int, self string, q url.Values) collection[T] {
	if items == nil {
		items = []T{}
	}
	pages := 0
	if take > 0 {
		pages = (total + take - 1) / take
	}
	page := func(s, t int) string {
		v := url.Values{}
		for k, vs := range q {
			if !strings.EqualFold(k, "skip") && !strings.EqualFold(k, "take") && !strings.EqualFold(k, "apikey") {
				v[k] = vs
			}
		}
		v.Set("skip", strconv.Itoa(s))
		v.Set("take", strconv.Itoa(t))
		return self + "?" + v.Encode()
	}
	c := collection[T]{
		ItemType:       itemType,
		TotalResults:   total,
		ItemsPerPage:   take,
		NumberOfPages:  pages,
		LastPageNumber: max(pages-1, 0),
		Items:          items,
		Links: map[string]string{
			"Self":         page(skip, take),
			"Page.All":     page(0, 1<<31-1),
			"Page.Current": page(skip, take),
			"Page.Last":    page(max(pages-1, 0)*take, take),
		},
	}
	if take > 0 && int64(skip)+int64(take) < int64(total) {
		c.Links["Page.Next"] = page(skip+take, take)
	}
	if skip > 0 {
		c.Links["Page.Prev"] = page(max(skip-take, 0), take)
	}
	return c
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(publishedLayout)
}
