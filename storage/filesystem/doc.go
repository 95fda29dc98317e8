// Package filesystem is the production storage.Store: one directory tree in
// which a key is a relative path ("a/b/c" is the file <root>/a/b/c), so the
// package directory can be backed up with a plain copy.
//
// Every operation goes through an os.Root, so no key, symlink or race can
// reach outside the root directory. Writes are atomic: Put writes a
// ".tmp-<random>" file next to its destination, fsyncs it and renames it over
// the key, then fsyncs the directory; a reader sees the old blob or the new
// one, never a prefix. Names starting with '.' are never keys (see
// storage.ValidKey), so temporary files cannot collide with keys or be listed.
// <root>/.tmp is a spool directory on the same filesystem for callers that
// write a file first and install it with Move. SweepTemp removes leftovers of
// a crash at startup.
//
// A Store assumes it is the only writer of its directory; several processes
// sharing one directory are not supported.
//
// It imports the standard library and storage only; it must not import
// net/http or any other feedserver package.
package filesystem
