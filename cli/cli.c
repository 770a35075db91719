/* Shared pieces of the command line: errors, usage, options, output. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"

int cli_fail(void)
{
	const char *msg = sanshe_error_last();

	fprintf(stderr, "sanshe: %s\n", *msg ? msg : _("failed"));
	return sanshe_error_code() == SANSHE_EUSAGE ? EXIT_USAGE : 1;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sanshe %s: ", command);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	cli_help(command, stderr);
	return EXIT_USAGE;
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	static const struct option help_only[] = { { "help", no_argument, NULL, 'h' },
						   { NULL, 0, NULL, 0 } };
	char spec[64];
	int c;

	if (optind == 0 || optind > argc)
		optind = 0;
	snprintf(spec, sizeof(spec), "+:h%s", shortopts ? shortopts : "");
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts ? longopts : help_only, NULL);
	if (c == 'h') {
		cli_help(argv[0], stdout);
		return 'h';
	}
	if (c == '?') {
		if (optopt)
			cli_usage_error(argv[0], _("unknown option '-%c'"), optopt);
		else
			cli_usage_error(argv[0], _("unknown option '%s'"),
					argv[optind - 1]);
		return '?';
	}
	if (c == ':') {
		cli_usage_error(argv[0], _("option '%s' needs a value"),
				argv[optind - 1]);
		return '?';
	}
	return c;
}

int cli_write_stdout(const char *data, size_t len)
{
	if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0) {
		sanshe_error_set_os(SANSHE_EIO, "%s", _("cannot write the output"));
		return cli_fail();
	}
	return 0;
}

int cli_print_json(const cJSON *value)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	int rc;

	if (sanshe_canon_write(&out, value) != 0 || sanshe_buf_putc(&out, '\n') != 0)
		rc = cli_fail();
	else
		rc = cli_write_stdout(out.ptr, out.size);
	sanshe_buf_dispose(&out);
	return rc;
}
