/* sanshe sign FILE [--key NAME] — print the signed, canonical document. */
#include "cli.h"

#include <time.h>

#include "canon.h"
#include "doc.h"
#include "hlc.h"
#include "json.h"
#include "signer.h"

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int sign_file(const char *path, const char *key_name, sanshe_buf *out)
{
	sanshe_doc_draft draft;
	sanshe_clock *clock = NULL;
	sanshe_key *key = NULL;
	const char *home;
	cJSON *doc = NULL;
	int err;

	/* the record is checked before anyone is asked for a passphrase */
	if ((err = sanshe_json_parse_file(&doc, path)) != 0 ||
	    (err = sanshe_doc_draft_new(doc, &draft)) != 0 ||
	    (err = cli_signing_key(key_name, &key)) != 0)
		goto done;
	if (!(home = cli_home())) {
		err = sanshe_error_code();
		goto done;
	}
	if ((err = sanshe_clock_open(&clock, home, NULL)) != 0 ||
	    (err = sanshe_doc_draft_sign(doc, &draft, key, clock, wall_ms())) != 0 ||
	    (err = sanshe_clock_close(clock)) != 0)
		goto done;
	err = sanshe_canon_write(out, doc);
done:
	sanshe_clock_free(clock);
	sanshe_key_free(key);
	cJSON_Delete(doc);
	return err;
}

int cmd_sign(int argc, char **argv)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	const char *key_name = NULL;
	int rc;

	if ((rc = cli_key_options(argc, argv, &key_name, 1, _("which file? give FILE"))) >= 0)
		return rc;
	if (sign_file(argv[optind], key_name, &out) != 0)
		rc = cli_fail();
	else if ((rc = sanshe_buf_putc(&out, '\n')) == 0)
		rc = cli_write_stdout(out.ptr, out.size);
	else
		rc = cli_fail();
	sanshe_buf_dispose(&out);
	return rc;
}
