// Package filesystem is the production storage.Store: one directory tree in
// which a key is a relative path ("a/b/c" is the file <root>/a/b/c), so the
// package directory can be backed up with a plain copy.
//
// Every operation goes through an os.Root (or, on Linux, openat2 with
// RESOLVE_BENEATH), so no key, symlink or race can reach outside the root
// directory. Writes are atomic: Put and a stage's Commit write a
// ".tmp-<random>" file in the spool directory <root>/.tmp, fsync it and
// rename it over the key (create-only: a rename that does not replace, or a
// hard link), then fsync the key's directory and, once per directory in the
// life of the Store, the parent of every directory on the key's path; a
// reader sees the old blob or the new one, never a prefix. Names starting
// with '.' are never keys (see storage.ValidKey), so the spool cannot
// collide with keys or be listed, and SweepTemp clears a crash's leftovers
// at startup by reading that one directory.
//
// A stage keeps up to 256 KiB in memory and makes its spool file only when
// it grows past that, or at Commit: a small push that turns out to be a
// duplicate is aborted without touching the disk. A stage whose first write
// is at least 1 MiB of whole 4 KiB blocks from an aligned buffer bypasses
// the page cache (O_DIRECT on Linux) for as long as its writes are whole
// blocks, which costs less CPU than copying a large push into the cache and
// leaves nothing to write back at the fsync; the first write that is not
// (the tail), and Finish, switch the file back to buffered I/O, so the
// stage can be read back with small unaligned reads.
//
// A full disk or an exhausted quota (ENOSPC, EDQUOT) while a blob is
// written is storage.ErrNoSpace, the system's error kept in the chain.
//
// A Store assumes it is the only writer of its directory; several processes
// sharing one directory are not supported.
//
// # Imports
//
// unsafe only to check a buffer's alignment for O_DIRECT; golang.org/x/sys
// for openat2, renameat2 and fcntl on Linux.
//
//	may import:    std, storage, golang.org/x/sys/unix
//	must not:      net/http/...
//	never reaches: net/http
package filesystem
