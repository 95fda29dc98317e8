// Package filesystem is the production storage.Store: one directory tree in
// which a key is a relative path ("a/b/c" is the file <root>/a/b/c), so the
// package directory can be backed up with a plain copy.
//
// Every operation goes through an os.Root, so no key, symlink or race can
// reach outside the root directory. Writes are atomic: Put writes a
// ".tmp-<random>" file in the spool directory <root>/.tmp, fsyncs it and
// renames it over the key, then fsyncs the key's directory and, once per
// directory in the life of the Store, the parent of every directory on the
// key's path; a reader sees the old blob or the new one,
// never a prefix. Callers that write a file first spool it in the same
// directory and install it with Move. Names starting with '.' are never keys
// (see storage.ValidKey), so the spool cannot collide with keys or be listed,
// and SweepTemp clears a crash's leftovers at startup by reading that one
// directory.
//
// A Store assumes it is the only writer of its directory; several processes
// sharing one directory are not supported.
//
// It imports the standard library, golang.org/x/sys (openat2 on Linux) and
// storage only; it must not import net/http or any other feedserver package.
package filesystem
