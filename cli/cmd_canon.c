/* sanshe canon [FILE] — print the RFC 8785 canonical form of a JSON file. */
#include "cli.h"

#include <unistd.h>

#include "canon.h"
#include "json.h"

int cmd_canon(int argc, char **argv)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	cJSON *value = NULL;
	int c, rc = 1;

	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == 'h' ? 0 : EXIT_USAGE;
	if (argc - optind > 1)
		return cli_usage_error("canon", "%s", _("too many arguments"));
	if (sanshe_json_parse_file(&value, optind < argc ? argv[optind] : NULL) ||
	    sanshe_canon_write(&out, value)) {
		rc = cli_fail();
		goto done;
	}
	/* The exact canonical bytes; a newline only for a person's terminal. */
	if (isatty(STDOUT_FILENO) && sanshe_buf_putc(&out, '\n')) {
		rc = cli_fail();
		goto done;
	}
	rc = cli_write_stdout(out.ptr, out.size);
done:
	cJSON_Delete(value);
	sanshe_buf_dispose(&out);
	return rc;
}
