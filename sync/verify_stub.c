/*
 * TEMPORARY STAND-IN for sanshe_verify (sync/verify.h), on the branch
 * `report` only, so that `sanshe verify` and its text, JSON and HTML
 * output can be built and tested before the real sync/verify.c lands.
 * DELETE THIS FILE AT MERGE: the lead's sync/verify.c replaces it.
 *
 * It checks nothing: it counts the commits of each space, reads the
 * documents at the heads into the rules between documents (rules.h) and
 * reports their findings and projects.  With SANSHE_VERIFY_STUB_FINDINGS
 * set it adds two fixed findings carrying markup, to see output escaped.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "verify.h"

typedef struct stub {
	sanshe_store *store;
	const sanshe_verify_options *opt;
	sanshe_verify_summary *summary;
	sanshe_rules *rules;
	const char *space;
	char head[GIT_OID_HEXSZ + 1];
	sanshe_buf text;
} stub;

static int count_commit(const sanshe_store_commit *c, void *payload)
{
	stub *s = payload;

	s->summary->commits++;
	s->summary->merges += c->parents > 1;
	s->summary->signatures += c->signature != NULL;
	return 0;
}

static int read_doc(const char *type, const char *id, const git_oid *blob, void *payload)
{
	stub *s = payload;
	cJSON *doc = NULL;
	int err;

	s->summary->versions++;
	if (!sanshe_rules_reads(type))
		return 0;
	sanshe_buf_clear(&s->text);
	if ((err = sanshe_store_read_blob(s->store, blob, &s->text)) != 0 ||
	    (err = sanshe_json_parse(&doc, s->text.ptr ? s->text.ptr : "", s->text.size, NULL,
				     NULL)) != 0)
		return sanshe_error_prefix(_("space '%s': %s/%s"), s->space, type, id);
	err = sanshe_rules_add(s->rules, s->space, doc);
	cJSON_Delete(doc);
	return err;
}

static int fixed_findings(stub *s)
{
	sanshe_verify_finding f = { SANSHE_VERIFY_DOC_BADSIG, "common", s->head, "project",
				    "p<1>", "SHA256:stub", "Wang <b>Li</b> & \"co\"",
				    "2023-09-28T08:00:00.000Z/0000",
				    "a '_sig' that does not match: <script>alert(1)</script>" };
	sanshe_verify_finding g = { SANSHE_VERIFY_SIGNER_UNKNOWN, "trust", s->head, NULL, NULL,
				    "SHA256:unknown", NULL, NULL,
				    "signed by a key no member has had" };
	int err;

	if (!getenv("SANSHE_VERIFY_STUB_FINDINGS"))
		return 0;
	s->summary->findings += 2;
	if ((err = s->opt->finding(&f, s->opt->payload)) != 0)
		return err;
	return s->opt->finding(&g, s->opt->payload);
}

static int walk_space(const char *space, const git_oid *head, void *payload)
{
	stub *s = payload;
	int err;

	if (s->opt->space && strcmp(space, s->opt->space) != 0)
		return 0;
	s->space = space;
	git_oid_tostr(s->head, sizeof(s->head), head);
	s->summary->spaces++;
	if ((err = sanshe_store_log(s->store, space, NULL, NULL, count_commit, s)) != 0)
		return err;
	return sanshe_store_list(s->store, space, NULL, read_doc, s);
}

static int rules_finding(const sanshe_finding *f, void *payload)
{
	stub *s = payload;
	sanshe_verify_finding out = { f->rule, f->space, NULL, f->type, f->id,
				      NULL, NULL, NULL, f->message };

	s->summary->findings++;
	return s->opt->finding(&out, s->opt->payload);
}

int sanshe_verify(sanshe_store *store, const sanshe_verify_options *opt,
		  sanshe_verify_summary *summary)
{
	stub s = { store, opt, summary, NULL, NULL, "", SANSHE_BUF_INIT };
	int err;

	memset(summary, 0, sizeof(*summary));
	if ((err = sanshe_rules_new(&s.rules)) == 0 &&
	    (err = sanshe_store_spaces(store, walk_space, &s)) == 0 &&
	    (err = fixed_findings(&s)) == 0 &&
	    (err = sanshe_rules_finish(s.rules, rules_finding, &s)) == 0 && opt->project)
		err = sanshe_rules_projects(s.rules, opt->project, opt->payload);
	sanshe_rules_free(s.rules);
	sanshe_buf_dispose(&s.text);
	return err;
}
