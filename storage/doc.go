// Package storage defines the blob store that holds every package file: the
// Store interface, its errors (ErrNotFound, ErrInvalidKey, ErrConflict) and the
// key grammar (ValidKey, ValidPrefix) that every driver enforces.
//
// A key is a slash-separated relative path such as
// "packages/newtonsoft.json/13.0.3/newtonsoft.json.13.0.3.nupkg". The grammar is
// deliberately narrow so that a key is always a safe file path: no traversal,
// no absolute paths, no hidden names (a leading dot is reserved for the
// drivers' temporary files), plain ASCII only.
//
// Drivers live in subpackages: storage/filesystem (production) and
// storage/memory (tests). storage/storagetest is the conformance suite that
// every driver runs.
//
// This package imports the standard library only; it must never import
// net/http or any other feedserver package.
package storage
