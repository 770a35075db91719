/* sanshe sign FILE [--key NAME] — print the signed, canonical document. */
#include "cli.h"

#include <time.h>

#include "canon.h"
#include "doc.h"
#include "hlc.h"
#include "json.h"
#include "signer.h"

/* How far ahead of this computer's clock an earlier version may be dated. */
#define PLAUSIBLE_AHEAD_MS (24ULL * 3600 * 1000)

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The new version must come after the one it replaces, even when that one
 * was signed on a computer whose clock runs ahead; but a date far in the
 * future is more likely a wrong clock, and would drag this home's clock
 * along for good, so it is refused with a word on what to check.
 */
static int tick_after(const cJSON *doc, const sanshe_hlc *before, sanshe_hlc *at)
{
	char what[200], when[SANSHE_HLC_MAX];
	sanshe_clock *clock = NULL;
	const char *home = cli_home();
	int err;

	if (!home)
		return sanshe_error_code();
	if (before && before->ms > wall_ms() + PLAUSIBLE_AHEAD_MS) {
		sanshe_hlc_format(when, *before);
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s: the version it replaces is dated %s, more than a day "
					  "ahead of this computer's clock; check both clocks"),
					sanshe_doc_describe(doc, what, sizeof(what)), when);
	}
	if ((err = sanshe_clock_open(&clock, home, NULL)) == 0 &&
	    (!before || (err = sanshe_clock_observe(clock, *before)) == 0) &&
	    (err = sanshe_clock_tick(clock, at)) == 0)
		err = sanshe_clock_close(clock);
	sanshe_clock_free(clock);
	return err;
}

static int sign_file(const char *path, const char *key_name, sanshe_buf *out)
{
	const sanshe_type *type = NULL;
	sanshe_key *key = NULL;
	cJSON *doc = NULL;
	sanshe_hlc at, before;
	int err, has_before;

	if ((err = sanshe_json_parse_file(&doc, path)) != 0)
		goto done;
	has_before = sanshe_doc_latest_time(doc, &before);
	if ((err = sanshe_doc_prepare(doc, &type)) != 0 ||
	    (err = sanshe_doc_validate(doc, NULL, NULL)) != 0 ||
	    (err = cli_signing_key(key_name, &key)) != 0 ||
	    (err = tick_after(doc, has_before ? &before : NULL, &at)) != 0 ||
	    (err = sanshe_doc_sign(doc, key, &at)) != 0)
		goto done;
	err = sanshe_canon_write(out, doc);
done:
	sanshe_key_free(key);
	cJSON_Delete(doc);
	return err;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option options[] = { { "key", required_argument, NULL, 'k' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	sanshe_buf out = SANSHE_BUF_INIT;
	const char *key_name = NULL;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "k:", options)) != -1) {
		if (c == 'k')
			key_name = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1)
		return cli_usage_error("sign", "%s", argc - optind ? _("too many arguments")
								     : _("which file? give FILE"));
	if (sign_file(argv[optind], key_name, &out) != 0)
		rc = cli_fail();
	else if ((rc = sanshe_buf_putc(&out, '\n')) == 0)
		rc = cli_write_stdout(out.ptr, out.size);
	else
		rc = cli_fail();
	sanshe_buf_dispose(&out);
	return rc;
}
