/* Files of the home directory: directories, small reads, atomic writes. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

static int mkdir_one(const char *path, mode_t mode)
{
	struct stat st;

	if (mkdir(path, mode) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return sanshe_error_set_os(SANSHE_EIO, _("cannot make the directory '%s'"),
				   path);
}

int sanshe_fs_mkdirs(const char *path, mode_t mode)
{
	char *copy = strdup(path);
	int err = 0;

	if (!copy)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	/* Each "/" after the first character ends a parent to make first. */
	for (char *p = copy + 1; *p && !err; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		err = mkdir_one(copy, mode);
		*p = '/';
	}
	if (!err)
		err = mkdir_one(copy, mode);
	free(copy);
	return err;
}

static int read_fd(sanshe_buf *buf, int fd, const char *path, size_t max)
{
	char chunk[4096];
	size_t total = 0;
	ssize_t n;
	int err;

	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), path);
		total += (size_t)n;
		if (total > max)
			return sanshe_error_set(SANSHE_EINVALID,
						_("'%s' is larger than %zu bytes"), path, max);
		if ((err = sanshe_buf_put(buf, chunk, (size_t)n)) != 0)
			return err;
	}
	return 0;
}

int sanshe_fs_read(sanshe_buf *buf, const char *path, size_t max)
{
	struct stat st;
	int fd, err;

	if (!path || strcmp(path, "-") == 0)
		return read_fd(buf, STDIN_FILENO, _("standard input"), max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sanshe_error_set_os(errno == ENOENT ? SANSHE_ENOTFOUND : SANSHE_EIO,
					   _("cannot open '%s'"), path);
	if (fstat(fd, &st) != 0)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), path);
	else if (!S_ISREG(st.st_mode))
		err = sanshe_error_set(SANSHE_EINVALID, _("'%s' is not a file"), path);
	else
		err = read_fd(buf, fd, path, max);
	close(fd);
	return err;
}

static int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make the directory entry of a rename or link durable. */
static int sync_parent(const char *path)
{
	char *copy = strdup(path), *slash;
	int fd, rc = 0;

	if (!copy)
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	slash = strrchr(copy, '/');
	if (slash)
		*(slash == copy ? slash + 1 : slash) = '\0';
	fd = open(slash ? copy : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), path);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int sanshe_fs_sync(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0 || syncfs(fd) != 0)
		rc = sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), path);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* The temporary file beside `path`: "DIR/.BASE.XXXXXX", made and opened. */
static int temp_open(sanshe_buf *tmp, const char *path, int *fd)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	int err;

	if ((err = sanshe_buf_put(tmp, path, dirlen)) != 0 ||
	    (err = sanshe_buf_printf(tmp, ".%s.XXXXXX", path + dirlen)) != 0)
		return err;
	*fd = mkostemp(tmp->ptr, O_CLOEXEC);
	if (*fd < 0)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), path);
	return 0;
}

static int temp_fill(int fd, const char *path, const void *data, size_t len,
		     mode_t mode)
{
	int failed = fchmod(fd, mode) != 0 || write_all(fd, data, len) != 0 ||
		     fsync(fd) != 0;

	if (close(fd) != 0)
		failed = 1;
	if (failed)
		return sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), path);
	return 0;
}

/* Put the finished temporary file in place. */
static int temp_commit(const char *tmp, const char *path, int flags)
{
	if (!(flags & SANSHE_FS_NOREPLACE)) {
		if (rename(tmp, path) != 0)
			return sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), path);
		return 0;
	}
	/* link() never replaces: it is the atomic "create if absent". */
	if (link(tmp, path) != 0) {
		if (errno == EEXIST)
			return sanshe_error_set(SANSHE_EEXISTS,
						_("'%s' exists already"), path);
		return sanshe_error_set_os(SANSHE_EIO, _("cannot write '%s'"), path);
	}
	unlink(tmp);
	return 0;
}

int sanshe_fs_write(const char *path, const void *data, size_t len,
		    mode_t mode, int flags)
{
	sanshe_buf tmp = SANSHE_BUF_INIT;
	int fd = -1, err;

	if ((err = temp_open(&tmp, path, &fd)) != 0)
		goto done;
	if ((err = temp_fill(fd, path, data, len, mode)) != 0 ||
	    (err = temp_commit(tmp.ptr, path, flags)) != 0) {
		unlink(tmp.ptr);
		goto done;
	}
	err = sync_parent(path);
done:
	sanshe_buf_dispose(&tmp);
	return err;
}

static _Thread_local int remove_keep_top;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag;
	if (ftw->level == 0 && remove_keep_top)
		return 0;
	if (remove(path) != 0) {
		sanshe_error_set_os(SANSHE_EIO, _("cannot remove '%s'"), path);
		return -1;
	}
	return 0;
}

int sanshe_fs_remove_tree(const char *path, int keep_top)
{
	remove_keep_top = keep_top;
	if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		return sanshe_error_code() == SANSHE_EIO ? SANSHE_EIO
			: sanshe_error_set_os(SANSHE_EIO, _("cannot remove '%s'"), path);
	return 0;
}

static uint64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void pause_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int sanshe_fs_lock(int fd, unsigned wait_ms)
{
	uint64_t start = monotonic_ms();
	unsigned pause = 1;

	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return SANSHE_EIO;
		if (monotonic_ms() - start >= wait_ms)
			return SANSHE_ELOCKED;
		pause_ms(pause);
		pause = pause < 64 ? pause * 2 : pause;
	}
	return 0;
}
