package index

import "time"

// GenericFile is one file of a generic package version. Name, Version and
// FileName keep the spelling of the push; lookups compare them
// case-insensitively. Owner is lowercase.
type GenericFile struct {
	Owner    string
	Name     string
	Version  string
	FileName string
	SHA256   string // lowercase hex of the content: the blob's address
	Size     int64
	Created  time.Time
	RefKey   string // storage key of the file's reference on disk
}

// GenericPackage summarises one generic package (an owner's name) for
// listings such as the web page's; GenericFiles has the detail.
type GenericPackage struct {
	Owner         string
	Name          string // the spelling of the newest file's push
	LatestVersion string // the version of the newest file
	Versions      int
	Files         int
	Size          int64     // all files
	Updated       time.Time // creation of the newest file
}
