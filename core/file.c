/* Reading whole files (or standard input) into memory. */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

int sanshe_file_read(sanshe_buf *buf, const char *path, size_t max)
{
	int from_stdin = !path || strcmp(path, "-") == 0;
	const char *name = from_stdin ? _("standard input") : path;
	FILE *f = from_stdin ? stdin : fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int err = 0;

	if (!f)
		return sanshe_error_set_os(errno == ENOENT ? SANSHE_ENOTFOUND : SANSHE_EIO,
					   _("cannot open '%s'"), name);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (max && buf->size + n > max) {
			err = sanshe_error_set(SANSHE_EINVALID,
					       _("'%s' is larger than %zu bytes"), name, max);
			break;
		}
		if ((err = sanshe_buf_put(buf, chunk, n)) != 0)
			break;
	}
	if (!err && ferror(f))
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"), name);
	if (!from_stdin)
		fclose(f);
	return err;
}

int sanshe_json_parse_file(cJSON **out, const char *path)
{
	int from_stdin = !path || strcmp(path, "-") == 0;
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	*out = NULL;
	if ((err = sanshe_file_read(&text, path, 0)) == 0)
		err = sanshe_json_parse(out, text.ptr ? text.ptr : "", text.size,
					from_stdin ? _("standard input") : path, NULL);
	sanshe_buf_dispose(&text);
	return err;
}
