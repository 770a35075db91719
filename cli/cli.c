/* Shared pieces of the command line: errors, usage, options, output. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "json.h"
#include "trust.h"

/* Write `text` with control characters escaped and broken UTF-8 as '?'. */
static void put_clean(FILE *out, const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text, *end = s + len;

	while (s < end) {
		size_t bad = 0, n = 1;

		if (*s >= 0x80) {
			n = *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : 2;
			if (n > (size_t)(end - s) || !sanshe_utf8_valid((const char *)s, n, &bad)) {
				fputc('?', out);
				s++;
				continue;
			}
			/* C1 controls, U+0080 to U+009F */
			if (s[0] == 0xC2 && s[1] < 0xA0) {
				fprintf(out, "\\u%04X", s[1]);
				s += 2;
				continue;
			}
		} else if (*s < 0x20 || *s == 0x7F) {
			fprintf(out, "\\x%02X", *s);
			s++;
			continue;
		}
		fwrite(s, 1, n, out);
		s += n;
	}
}

void cli_line(FILE *out, const char *prefix, const char *fmt, ...)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = sanshe_buf_vprintf(&text, fmt, ap);
	va_end(ap);
	fputs(prefix, out);
	if (!err)
		put_clean(out, text.ptr, text.size);
	fputc('\n', out);
	sanshe_buf_dispose(&text);
}

int cli_fail(void)
{
	const char *msg = sanshe_error_last();

	cli_line(stderr, "sanshe: ", "%s", *msg ? msg : _("failed"));
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
	snprintf(spec, sizeof(spec), ":h%s", shortopts ? shortopts : "");
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

int cli_key_options(int argc, char **argv, const char **key_name, int want, const char *what)
{
	static const struct option options[] = { { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	int c, given;

	*key_name = NULL;
	while ((c = cli_getopt(argc, argv, "k:", options)) != -1) {
		if (c != 'k')
			return c == 'h' ? 0 : EXIT_USAGE;
		*key_name = optarg;
	}
	given = argc - optind;
	if (want >= 0 ? given == want : given <= 1)
		return -1;
	return cli_usage_error(argv[0], "%s", given > (want < 0 ? 1 : want) ? _("too many arguments")
									   : what);
}

unsigned cli_role_parse(const char *command, const char *name)
{
	unsigned role = sanshe_role_parse(name), all = 0;
	char names[160];

	for (unsigned i = 0; sanshe_role_names[i]; i++)
		all |= 1u << i;
	if (!role)
		cli_line(stderr, "", _("sanshe %s: unknown role '%s': the roles are %s"), command,
			 name, sanshe_roles_text(all, names, sizeof(names)));
	return role;
}
