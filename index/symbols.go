package index

// SymbolFile is one Portable PDB of a stored symbol package (.snupkg): the
// catalogue's lookup from a Simple Symbol Query Protocol key to the symbol
// package and the zip entry that holds the PDB (docs/protocol/nuget.md §12).
// A symbol package belongs to one NuGet package version of one space; its
// rows are written and removed together (Catalog.PutSymbols,
// Catalog.DeleteSymbols) and live no longer than that version's .snupkg.
type SymbolFile struct {
	Space   string
	ID      string // the package id, lowercased
	Version string // the package's normalised version, lowercased
	Key     string // the SSQP key, lowercased: {file}/{signature}ffffffff/{file}
	Path    string // the zip entry's name inside the .snupkg
	BlobKey string // the storage key of the .snupkg
	Size    int64  // the PDB's length
	SHA256  string // its PDB checksum (the file with its id zeroed), lowercase hex
}
