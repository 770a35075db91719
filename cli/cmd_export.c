/*
 * sanshe export allowed-signers [-o FILE] — an OpenSSH allowed-signers file
 * for every member key of the roster, so that stock git verifies commits.
 */
#include "cli.h"

#include <string.h>
#include <time.h>

#include "fs.h"
#include "json.h"
#include "repo.h"
#include "sshsig.h"

typedef struct roster {
	sanshe_store *store;
	sanshe_buf out;
	const char *id;  /* the member whose versions are being read, newest first */
	unsigned char newer_key[SANSHE_KEY_PUBLIC_BYTES];
	int64_t newer_since; /* when the newer key replaced this one (0: none yet) */
	int seen;            /* a newer version was read */
} roster;

/* "2026-11-22T08:10:00Z" (or with fractions) as ssh-keygen's "20261122081000Z". */
static int ssh_time(char out[16], const cJSON *value)
{
	const char *t = cJSON_GetStringValue(value);
	size_t n = 0;

	if (!t)
		return 0;
	for (size_t i = 0; t[i] && t[i] != '.' && t[i] != 'Z' && n < 14; i++)
		if (t[i] >= '0' && t[i] <= '9')
			out[n++] = t[i];
	if (n != 14)
		return 0;
	out[n++] = 'Z';
	out[n] = '\0';
	return 1;
}

/* The allowed-signers line of one version of a member document, once. */
/* "YYYYMMDDHHMMSSZ" of seconds since the epoch, as ssh-keygen reads it. */
static void ssh_time_of(char out[16], int64_t seconds)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%SZ", &tm);
}

/*
 * The line of one version of a member document.  A key that a later version
 * replaced is valid only until that replacement (the second after it: git
 * compares with whole-second commit times), so that a key retired from the
 * roster cannot sign new history that stock git would accept.
 */
static int add_version(roster *r, const sanshe_buf *text, int64_t committed)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	char principal[2 * SANSHE_DOC_ID_MAX + 2], after[16], before[16];
	sanshe_buf line = SANSHE_BUF_INIT;
	const cJSON *key, *org;
	cJSON *doc = NULL;
	int err, have_before;

	if ((err = sanshe_json_parse(&doc, text->ptr, text->size, NULL, NULL)) != 0)
		goto done;
	key = cJSON_GetObjectItemCaseSensitive(doc, "key");
	org = cJSON_GetObjectItemCaseSensitive(doc, "org");
	if (!cJSON_IsString(key) || !cJSON_IsString(org) ||
	    (err = sanshe_key_parse_openssh(pk, NULL, key->valuestring)) != 0) {
		err = sanshe_error_set(SANSHE_EINVALID, _("member '%s' has no usable key"), r->id);
		goto done;
	}
	if (r->seen && memcmp(pk, r->newer_key, sizeof(pk)) == 0)
		goto done; /* the same key as the newer version: its line is written */
	have_before = ssh_time(before, cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "revoked"), "at"));
	if (!have_before && r->seen) {
		ssh_time_of(before, r->newer_since + 1);
		have_before = 1;
	}
	snprintf(principal, sizeof(principal), "%s@%s", r->id, org->valuestring);
	err = sanshe_sshsig_allowed_signer(
		&line, principal, pk,
		ssh_time(after, cJSON_GetObjectItem(doc, "valid_from")) ? after : NULL,
		have_before ? before : NULL);
	if (!err)
		err = sanshe_buf_put(&r->out, line.ptr, line.size);
	memcpy(r->newer_key, pk, sizeof(pk));
	r->seen = 1;
done:
	r->newer_since = committed;
	sanshe_buf_dispose(&line);
	cJSON_Delete(doc);
	return err;
}

static int add_commit_version(const sanshe_store_commit *c, void *payload)
{
	roster *r = payload;
	char rev[GIT_OID_HEXSZ + 1];
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	git_oid_tostr(rev, sizeof(rev), &c->id);
	err = sanshe_store_read(r->store, "trust", rev, "member", r->id, &text);
	if (!err)
		err = add_version(r, &text, c->time);
	else if (err == SANSHE_ENOTFOUND)
		err = 0; /* that commit removed it */
	sanshe_buf_dispose(&text);
	return err;
}

/*
 * Every key a member has had, not only today's: the commits signed with an
 * earlier key must verify too.
 */
static int add_member(const char *type, const char *id, const git_oid *blob, void *payload)
{
	roster *r = payload;

	(void)blob;
	r->id = id;
	r->seen = 0;
	r->newer_since = 0;
	return sanshe_store_log(r->store, "trust", type, id, add_commit_version, r);
}

int cmd_export(int argc, char **argv)
{
	static const struct option options[] = { { "output", required_argument, NULL, 'o' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	roster r = { NULL, SANSHE_BUF_INIT, NULL, { 0 }, 0, 0 };
	const char *output = NULL;
	int c, err, rc;

	while ((c = cli_getopt(argc, argv, "o:", options)) != -1) {
		if (c == 'o')
			output = optarg;
		else
			return c == 'h' ? 0 : EXIT_USAGE;
	}
	if (argc - optind != 1 || strcmp(argv[optind], "allowed-signers") != 0)
		return cli_usage_error("export", "%s", _("what to export? allowed-signers"));
	if ((err = cli_open_store(&r.store)) == 0 &&
	    (err = sanshe_store_list(r.store, "trust", "member", add_member, &r)) == 0 && output)
		err = sanshe_fs_write(output, r.out.ptr ? r.out.ptr : "", r.out.size, 0644, 0);
	rc = err ? cli_fail() : output ? 0 : cli_write_stdout(r.out.ptr ? r.out.ptr : "", r.out.size);
	sanshe_buf_dispose(&r.out);
	sanshe_store_free(r.store);
	return rc;
}
