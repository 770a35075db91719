/*
 * Files of the home directory (keys, the clock, settings): making
 * directories, reading small files whole, and writing files so that a crash
 * leaves either the old contents or the new ones, never half of them (a
 * temporary file in the same directory, fsync, rename or link, fsync of the
 * directory).
 */
#ifndef SANSHE_FS_H
#define SANSHE_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"

/** sanshe_fs_write flag: fail with SANSHE_EEXISTS when the file exists. */
#define SANSHE_FS_NOREPLACE 1

/**
 * Make the directory `path` and any missing parent with `mode` (like
 * `mkdir -p`); an existing directory is fine and keeps its mode.
 * 0 or SANSHE_EIO naming the directory.
 */
int sanshe_fs_mkdirs(const char *path, mode_t mode);

/**
 * Append the whole file `path` to `buf`, refusing files over `max` bytes.
 * 0, SANSHE_ENOTFOUND (no such file), SANSHE_EINVALID (too large),
 * SANSHE_EIO or SANSHE_ENOMEM; the message names the file.
 */
int sanshe_fs_read(sanshe_buf *buf, const char *path, size_t max);

/**
 * Write `len` bytes as the file `path` with permissions `mode` (exactly,
 * whatever the umask), atomically and durably.  With SANSHE_FS_NOREPLACE an
 * existing file is left alone and SANSHE_EEXISTS returned; otherwise it is
 * replaced.  0, SANSHE_EEXISTS or SANSHE_EIO; no temporary file is left
 * behind on failure.
 */
int sanshe_fs_write(const char *path, const void *data, size_t len,
		    mode_t mode, int flags);

/**
 * Make durable everything written so far to the filesystem holding `path`
 * (syncfs(2)).  0 or SANSHE_EIO.
 */
int sanshe_fs_sync(const char *path);

/**
 * Take an exclusive flock on `fd`, trying again (1 ms, doubling to 64 ms)
 * until `wait_ms` have passed.  0; SANSHE_ELOCKED when another process
 * still holds it, and SANSHE_EIO (errno kept) when flock fails otherwise:
 * no message is set, the caller names what is locked.
 */
int sanshe_fs_lock(int fd, unsigned wait_ms);

/**
 * Remove everything below the directory `path` (not following symbolic
 * links), and `path` itself unless `keep_top`.  Used to undo what a failed
 * command created.  0 or SANSHE_EIO naming what could not be removed.
 */
int sanshe_fs_remove_tree(const char *path, int keep_top);

#endif
