/* The trust roster over time, read from the trust space's history (trust.h). */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doc.h"
#include "json.h"
#include "oidset.h"
#include "trust.h"

/* One version of a roster document, as read from the history. */
typedef struct version {
	git_oid blob;
	cJSON *doc;
	const char *type, *id; /* borrowed from doc */
	sanshe_hlc at;	       /* its _sig.at */
	char signer[SANSHE_KEY_FINGERPRINT_MAX];
	int founding;	       /* in the trust space's first commit */
	int accepted;	       /* part of the roster */
	int dropped;	       /* accepted once, then not vouched for by the finished roster */
	char *problem;	       /* why not, when read but refused */
	/* members */
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	char fingerprint[SANSHE_KEY_FINGERPRINT_MAX];
	unsigned roles;
	int64_t valid_from; /* ms */
} version;

/* A member: its accepted versions, oldest first. */
typedef struct member {
	const char *id;
	version **v;
	size_t n, cap;
} member;

/* A key a member has had: indexes over the roster, by key and by fingerprint. */
typedef struct keyref {
	const version *v;
	size_t member; /* index in members */
} keyref;

struct sanshe_trust {
	version *versions;
	size_t n_versions, cap_versions;
	member *members; /* sorted by id once built */
	size_t n_members;
	keyref *by_pk, *by_fp; /* NULL while building */
	size_t n_keys;
	const version **orgs; /* each org's newest version, by id; NULL while building */
	size_t n_orgs;
};

static int no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* The `n` digits at `*p` as a number, moving past them; -1 when they are not digits. */
static int digits(const char **p, int n)
{
	int value = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		value = 10 * value + (**p - '0');
	}
	return value;
}

static int days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return days[month - 1] + (month == 2 && leap);
}

/*
 * Exactly the schemas' utc_time, YYYY-MM-DDTHH:MM:SS[.f…]Z, each field in
 * range (a leap second, :60, is RFC 3339's): strptime would also take one
 * digit per field, leading spaces, "…00.Z" and 30 February.
 */
int64_t sanshe_utc_ms(const char *text)
{
	const char *p = text;
	struct tm tm;
	int64_t ms = 0, scale = 100;

	memset(&tm, 0, sizeof(tm));
	if (!p || (tm.tm_year = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (tm.tm_mon = digits(&p, 2)) < 1 || tm.tm_mon > 12 || *p++ != '-' ||
	    (tm.tm_mday = digits(&p, 2)) < 1 || tm.tm_mday > days_in_month(tm.tm_year, tm.tm_mon) ||
	    *p++ != 'T' || (tm.tm_hour = digits(&p, 2)) < 0 || tm.tm_hour > 23 || *p++ != ':' ||
	    (tm.tm_min = digits(&p, 2)) < 0 || tm.tm_min > 59 || *p++ != ':' ||
	    (tm.tm_sec = digits(&p, 2)) < 0 || tm.tm_sec > 60)
		return -1;
	if (*p == '.') {
		if (*++p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ms += scale * (*p - '0');
	}
	if (*p != 'Z' || p[1])
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

/* ---- reading the history ---- */

typedef struct reader {
	sanshe_trust *trust;
	sanshe_store *store;
	git_repository *repo;
	sanshe_oidset trees, blobs;
	int founding;
} reader;

static int add_version(reader *r, const git_oid *blob)
{
	sanshe_trust *t = r->trust;
	git_blob *b = NULL;
	version *v;
	int err;

	if ((err = sanshe_oidset_add(&r->blobs, blob)) <= 0)
		return err;
	if (t->n_versions == t->cap_versions) {
		size_t cap = t->cap_versions ? 2 * t->cap_versions : 64;
		version *grown = realloc(t->versions, cap * sizeof(*grown));

		if (!grown)
			return no_memory();
		t->versions = grown;
		t->cap_versions = cap;
	}
	v = &t->versions[t->n_versions];
	memset(v, 0, sizeof(*v));
	git_oid_cpy(&v->blob, blob);
	v->founding = r->founding;
	if (git_blob_lookup(&b, r->repo, blob) != 0)
		return sanshe_error_set(SANSHE_EIO, _("cannot read roster document %s: %s"),
					git_oid_tostr_s(blob), git_error_last()->message);
	if (sanshe_json_parse(&v->doc, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b), NULL,
			      NULL) != 0) {
		v->doc = NULL;
		if (!(v->problem = strdup(sanshe_error_last())))
			err = no_memory();
		sanshe_error_clear();
	}
	git_blob_free(b);
	t->n_versions++;
	return err < 0 ? err : 0;
}

/* Every blob under the folder `type` (member or org) of `tree`, shard by shard. */
static int read_folder(reader *r, const git_tree *tree, const char *type)
{
	const git_tree_entry *folder = git_tree_entry_byname(tree, type);
	git_tree *top = NULL;
	int err = 0;

	if (!folder || git_tree_entry_type(folder) != GIT_OBJECT_TREE)
		return 0;
	if ((err = sanshe_oidset_add(&r->trees, git_tree_entry_id(folder))) <= 0)
		return err;
	err = 0;
	if (git_tree_lookup(&top, r->repo, git_tree_entry_id(folder)) != 0)
		return sanshe_error_set(SANSHE_EIO, _("cannot read the roster's %s folder: %s"), type,
					git_error_last()->message);
	for (size_t i = 0; !err && i < git_tree_entrycount(top); i++) {
		const git_tree_entry *shard = git_tree_entry_byindex(top, i);
		git_tree *docs = NULL;

		if (git_tree_entry_type(shard) != GIT_OBJECT_TREE)
			continue; /* verify reports misplaced files */
		if ((err = sanshe_oidset_add(&r->trees, git_tree_entry_id(shard))) == 0)
			continue;
		if (err < 0)
			break;
		err = 0;
		if (git_tree_lookup(&docs, r->repo, git_tree_entry_id(shard)) != 0) {
			err = sanshe_error_set(SANSHE_EIO, _("cannot read the roster: %s"),
					       git_error_last()->message);
			break;
		}
		for (size_t j = 0; !err && j < git_tree_entrycount(docs); j++) {
			const git_tree_entry *e = git_tree_entry_byindex(docs, j);

			if (git_tree_entry_type(e) == GIT_OBJECT_BLOB)
				err = add_version(r, git_tree_entry_id(e));
		}
		git_tree_free(docs);
	}
	git_tree_free(top);
	return err < 0 ? err : 0;
}

/* The root of the first-parent line from `head`: the founding commit. */
int sanshe_trust_founding(sanshe_store *store, const git_oid *head, git_oid *root)
{
	git_repository *repo = sanshe_store_repository(store);
	git_commit *cur = NULL, *parent = NULL;
	git_oid tip;
	int err;

	if (!head) {
		if ((err = sanshe_store_head(store, "trust", &tip)) != 0)
			return err;
		head = &tip;
	}
	if (git_commit_lookup(&cur, repo, head) != 0)
		return sanshe_error_set(SANSHE_EIO, _("cannot read trust commit %s: %s"),
					git_oid_tostr_s(head), git_error_last()->message);
	while (git_commit_parentcount(cur) > 0) {
		if (git_commit_parent(&parent, cur, 0) != 0) {
			git_commit_free(cur);
			return sanshe_error_set(SANSHE_EIO, _("cannot read the trust space's "
							      "history: %s"),
						git_error_last()->message);
		}
		git_commit_free(cur);
		cur = parent;
	}
	git_oid_cpy(root, git_commit_id(cur));
	git_commit_free(cur);
	return 0;
}

static int read_commit(reader *r, const git_oid *id)
{
	git_commit *c = NULL;
	git_tree *tree = NULL;
	int err;

	if (git_commit_lookup(&c, r->repo, id) != 0 || git_commit_tree(&tree, c) != 0)
		err = sanshe_error_set(SANSHE_EIO, _("cannot read trust commit %s: %s"),
				       git_oid_tostr_s(id), git_error_last()->message);
	else if ((err = read_folder(r, tree, "org")) == 0)
		err = read_folder(r, tree, "member");
	git_tree_free(tree);
	git_commit_free(c);
	return err;
}

/* The founding commit first (its versions are taken as given), then the rest. */
static int read_history(reader *r, const git_oid *head)
{
	git_revwalk *walk = NULL;
	git_oid id, root;
	int err, rc = 0;

	if ((err = sanshe_trust_founding(r->store, head, &root)) != 0)
		return err;
	r->founding = 1;
	err = read_commit(r, &root);
	r->founding = 0;
	if (err)
		return err;
	if (git_revwalk_new(&walk, r->repo) != 0 || git_revwalk_push(walk, head) != 0) {
		err = sanshe_error_set(SANSHE_EIO, _("cannot read the trust space's history: %s"),
				       git_error_last()->message);
		git_revwalk_free(walk);
		return err;
	}
	while (!err && (rc = git_revwalk_next(&id, walk)) == 0)
		err = read_commit(r, &id);
	git_revwalk_free(walk);
	if (!err && rc != GIT_ITEROVER)
		err = sanshe_error_set(SANSHE_EIO, _("cannot read the trust space's history: %s"),
				       git_error_last()->message);
	return err;
}

/* ---- the roster from its versions ---- */

static int version_problem(version *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int version_problem(version *v, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);
	free(v->problem);
	v->problem = text;
	return text ? 0 : no_memory();
}

/* The public key of a fingerprint, among every member version read. */
static int any_key(unsigned char pk[32], const char *fingerprint, void *payload)
{
	const sanshe_trust *t = payload;

	for (size_t i = 0; i < t->n_versions; i++)
		if (t->versions[i].fingerprint[0] &&
		    strcmp(t->versions[i].fingerprint, fingerprint) == 0) {
			memcpy(pk, t->versions[i].pk, SANSHE_KEY_PUBLIC_BYTES);
			return 0;
		}
	return sanshe_error_set(SANSHE_ENOTFOUND, _("key %s is not in the roster"), fingerprint);
}

/* Read what the roster needs of one version: its type, id, key, roles, times. */
static int prepare(version *v)
{
	const sanshe_type *type = NULL;
	const cJSON *sig, *key;
	char what[200];
	int err;

	if (!v->doc)
		return 0;
	sanshe_doc_describe(v->doc, what, sizeof(what));
	v->type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v->doc, "type"));
	v->id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v->doc, "id"));
	if (sanshe_doc_validate(v->doc, &type, NULL) != 0 || !v->type || !v->id ||
	    (strcmp(v->type, "org") != 0 && strcmp(v->type, "member") != 0)) {
		err = version_problem(v, _("%s is not a valid roster document: %s"), what,
				      sanshe_error_last());
		sanshe_error_clear();
		return err;
	}
	sig = cJSON_GetObjectItemCaseSensitive(v->doc, "_sig");
	if (!sig || sanshe_hlc_parse(&v->at, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
						   sig, "at"))) != 0 ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(sig, "key")) ||
	    strlen(cJSON_GetObjectItemCaseSensitive(sig, "key")->valuestring) >= sizeof(v->signer)) {
		sanshe_error_clear();
		return version_problem(v, _("%s is not signed"), what);
	}
	strcpy(v->signer, cJSON_GetObjectItemCaseSensitive(sig, "key")->valuestring);
	if (strcmp(v->type, "member") != 0)
		return 0;
	key = cJSON_GetObjectItemCaseSensitive(v->doc, "key");
	if (sanshe_key_parse_openssh(v->pk, NULL, key->valuestring) != 0 ||
	    sanshe_key_fingerprint_of(v->fingerprint, v->pk) != 0) {
		err = version_problem(v, _("%s has no usable key: %s"), what, sanshe_error_last());
		sanshe_error_clear();
		v->fingerprint[0] = '\0';
		return err;
	}
	v->roles = sanshe_roles_of(v->doc);
	v->valid_from = sanshe_utc_ms(cJSON_GetStringValue(
		cJSON_GetObjectItemCaseSensitive(v->doc, "valid_from")));
	return 0;
}

/* Check each version's signature once (the keys of every version read). */
static int check_signatures(sanshe_trust *t)
{
	for (size_t i = 0; i < t->n_versions; i++) {
		version *v = &t->versions[i];
		int err;

		if (v->problem || !v->doc)
			continue;
		if (sanshe_doc_verify(v->doc, any_key, t, NULL) != 0) {
			err = version_problem(v, "%s", sanshe_error_last());
			sanshe_error_clear();
			if (err)
				return err;
		}
	}
	return 0;
}

static member *find_member(const sanshe_trust *t, const char *id)
{
	for (size_t i = 0; i < t->n_members; i++)
		if (strcmp(t->members[i].id, id) == 0)
			return &t->members[i];
	return NULL;
}

static int accept_version(sanshe_trust *t, version *v)
{
	member *m;

	v->accepted = 1;
	if (strcmp(v->type, "member") != 0)
		return 0;
	if (!(m = find_member(t, v->id))) {
		member *grown = realloc(t->members, (t->n_members + 1) * sizeof(*grown));

		if (!grown)
			return no_memory();
		t->members = grown;
		m = &t->members[t->n_members++];
		memset(m, 0, sizeof(*m));
		m->id = v->id;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 4;
		version **grown = realloc(m->v, cap * sizeof(*grown));

		if (!grown)
			return no_memory();
		m->v = grown;
		m->cap = cap;
	}
	m->v[m->n++] = v;
	return 0;
}

static void reset_roster(sanshe_trust *t)
{
	free(t->by_pk);
	free(t->by_fp);
	free(t->orgs);
	t->by_pk = t->by_fp = NULL;
	t->orgs = NULL;
	t->n_keys = t->n_orgs = 0;
	for (size_t i = 0; i < t->n_members; i++)
		free(t->members[i].v);
	free(t->members);
	t->members = NULL;
	t->n_members = 0;
	for (size_t i = 0; i < t->n_versions; i++)
		t->versions[i].accepted = 0;
}

/* Versions by time (founding ones first, then by their clocks, then blob). */
static int by_time(const void *a, const void *b)
{
	const version *x = *(version *const *)a, *y = *(version *const *)b;
	int c;

	if (x->founding != y->founding)
		return x->founding ? -1 : 1;
	if ((c = sanshe_hlc_compare(x->at, y->at)) != 0)
		return c;
	return git_oid_cmp(&x->blob, &y->blob);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const member *)a)->id, ((const member *)b)->id);
}

static int signer_at(const sanshe_trust *t, const unsigned char pk[32], uint64_t at_ms,
		     const version *unseen, sanshe_trust_signer *out);

/*
 * Is the signer of `v` an admin in good standing at its time?  Judged
 * without `v` itself: an admin writing its own member document (revoking
 * itself, replacing its key) signs as the member it was until then.
 */
static int vouched(const sanshe_trust *t, version *v)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_trust_signer who;
	char what[200];
	int err;

	sanshe_doc_describe(v->doc, what, sizeof(what));
	if ((err = sanshe_trust_key_lookup(pk, v->signer, (void *)t)) == 0)
		err = signer_at(t, pk, v->at.ms, v, &who);
	if (err != 0) {
		err = version_problem(v, _("%s: %s"), what, sanshe_error_last());
		sanshe_error_clear();
		return err ? err : 1;
	}
	if (!(who.roles & SANSHE_ROLE_ADMIN))
		return (err = version_problem(v, _("%s is signed by %s, who was not an admin then"),
					      what, who.name)) ? err : 1;
	return 0;
}

static int by_pk(const void *a, const void *b)
{
	const keyref *x = a, *y = b;
	int c = memcmp(x->v->pk, y->v->pk, SANSHE_KEY_PUBLIC_BYTES);

	return c ? c : (x->member > y->member) - (x->member < y->member);
}

static int by_fp(const void *a, const void *b)
{
	return strcmp(((const keyref *)a)->v->fingerprint, ((const keyref *)b)->v->fingerprint);
}

/* Index every key of the finished roster, so that a signer is found in log time. */
/* Orgs by id, then the newest first. */
static int org_order(const void *a, const void *b)
{
	const version *x = *(const version *const *)a, *y = *(const version *const *)b;
	int c = strcmp(x->id, y->id);

	return c ? c : sanshe_hlc_compare(y->at, x->at);
}

/* Index each org's newest accepted version, so that finding one is a binary search. */
static int index_orgs(sanshe_trust *t)
{
	size_t n = 0, kept = 0;

	if (!(t->orgs = calloc(t->n_versions ? t->n_versions : 1, sizeof(*t->orgs))))
		return no_memory();
	for (size_t i = 0; i < t->n_versions; i++)
		if (t->versions[i].accepted && strcmp(t->versions[i].type, "org") == 0)
			t->orgs[n++] = &t->versions[i];
	if (n)
		qsort(t->orgs, n, sizeof(*t->orgs), org_order);
	for (size_t i = 0; i < n; i++)
		if (!kept || strcmp(t->orgs[kept - 1]->id, t->orgs[i]->id) != 0)
			t->orgs[kept++] = t->orgs[i];
	t->n_orgs = kept;
	return 0;
}

static int index_keys(sanshe_trust *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n_members; i++)
		n += t->members[i].n;
	t->by_pk = calloc(n ? n : 1, sizeof(keyref));
	t->by_fp = calloc(n ? n : 1, sizeof(keyref));
	if (!t->by_pk || !t->by_fp)
		return no_memory();
	for (size_t i = 0; i < t->n_members; i++)
		for (size_t j = 0; j < t->members[i].n; j++)
			t->by_pk[t->n_keys++] = (keyref){ t->members[i].v[j], i };
	memcpy(t->by_fp, t->by_pk, n * sizeof(keyref));
	qsort(t->by_pk, n, sizeof(keyref), by_pk);
	qsort(t->by_fp, n, sizeof(keyref), by_fp);
	return index_orgs(t);
}

/*
 * Build the roster: the founding versions, then each other version in time
 * order when an admin of the roster so far signed it.  A revocation can
 * reach back (a key compromised before anyone knew): versions that the
 * finished roster no longer vouches for are dropped for good and the
 * roster built again, until nothing changes.  Every other refusal is
 * judged afresh in each round: a version refused because its signer had
 * been revoked stands once that revocation is dropped.  Each round but the
 * last drops at least one more version, so there are at most n + 1.
 */
static int build(sanshe_trust *t)
{
	version **order = calloc(t->n_versions ? t->n_versions : 1, sizeof(*order));
	size_t n = 0;
	int err = 0, changed = 1;

	if (!order)
		return no_memory();
	for (size_t i = 0; i < t->n_versions; i++)
		if (!t->versions[i].problem && t->versions[i].doc)
			order[n++] = &t->versions[i];
	qsort(order, n, sizeof(*order), by_time);
	while (!err && changed) {
		changed = 0;
		reset_roster(t);
		for (size_t i = 0; i < n; i++)
			if (!order[i]->dropped) {
				free(order[i]->problem);
				order[i]->problem = NULL;
			}
		for (size_t i = 0; !err && i < n; i++) {
			if (order[i]->dropped)
				continue;
			if (order[i]->founding || (err = vouched(t, order[i])) == 0)
				err = accept_version(t, order[i]);
			else if (err > 0)
				err = 0;
		}
		for (size_t i = 0; !err && i < n; i++) {
			if (!order[i]->accepted || order[i]->founding)
				continue;
			if ((err = vouched(t, order[i])) > 0) {
				err = 0;
				order[i]->dropped = 1;
				changed = 1;
			}
		}
	}
	free(order);
	if (!err && t->n_members)
		qsort(t->members, t->n_members, sizeof(*t->members), by_id);
	return err < 0 ? err : index_keys(t);
}

int sanshe_trust_load(sanshe_trust **out, sanshe_store *store, const git_oid *head)
{
	reader r = { NULL, store, sanshe_store_repository(store), SANSHE_OIDSET_INIT,
		     SANSHE_OIDSET_INIT, 0 };
	git_oid tip;
	int err;

	*out = NULL;
	if (!(r.trust = calloc(1, sizeof(*r.trust))))
		return no_memory();
	if (!head) {
		if ((err = sanshe_store_head(store, "trust", &tip)) != 0)
			goto done;
		head = &tip;
	}
	if ((err = read_history(&r, head)) != 0)
		goto done;
	for (size_t i = 0; !err && i < r.trust->n_versions; i++)
		err = prepare(&r.trust->versions[i]);
	if (!err && (err = check_signatures(r.trust)) == 0)
		err = build(r.trust);
done:
	sanshe_oidset_dispose(&r.trees);
	sanshe_oidset_dispose(&r.blobs);
	if (err)
		sanshe_trust_free(r.trust);
	else
		*out = r.trust;
	return err;
}

void sanshe_trust_free(sanshe_trust *trust)
{
	if (!trust)
		return;
	reset_roster(trust);
	for (size_t i = 0; i < trust->n_versions; i++) {
		cJSON_Delete(trust->versions[i].doc);
		free(trust->versions[i].problem);
	}
	free(trust->versions);
	free(trust);
}

/* ---- questions ---- */

/* The newest accepted version of the org `id`, or NULL. */
static const version *org_version(const sanshe_trust *t, const char *id)
{
	const version *best = NULL;

	if (t->orgs) {
		size_t lo = 0, hi = t->n_orgs;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(t->orgs[mid]->id, id);

			if (c == 0)
				return t->orgs[mid];
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		return NULL;
	}

	for (size_t i = 0; i < t->n_versions; i++) {
		const version *v = &t->versions[i];

		if (v->accepted && strcmp(v->type, "org") == 0 && strcmp(v->id, id) == 0 &&
		    (!best || sanshe_hlc_compare(v->at, best->at) > 0))
			best = v;
	}
	return best;
}

int sanshe_trust_has_org(const sanshe_trust *trust, const char *org)
{
	return org_version(trust, org) != NULL;
}

static const cJSON *revoked_of(const version *v)
{
	return cJSON_GetObjectItemCaseSensitive(v->doc, "revoked");
}

static void day_text(char out[40], uint64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, 40, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Judge member `m`'s standing for key `pk` at `at_ms`, as if it had not the
 * version `unseen` (NULL: all of them): 0, EINVALID, or 1 when `unseen` is
 * its only version.
 */
static int standing(const sanshe_trust *t, const member *m, const unsigned char pk[32],
		    uint64_t at_ms, const version *unseen, sanshe_trust_signer *out)
{
	const version *now = NULL, *newest = NULL;
	const cJSON *revoked;
	char when[40];

	for (size_t i = 0; i < m->n; i++) {
		if (m->v[i] == unseen)
			continue;
		if (!now || m->v[i]->at.ms <= at_ms)
			now = m->v[i];
		newest = m->v[i];
	}
	if (!now)
		return 1;
	revoked = revoked_of(newest);
	out->member = m->id;
	out->name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(now->doc, "name"));
	out->org = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(now->doc, "org"));
	out->roles = now->roles;
	out->revoked = revoked != NULL;
	out->revoked_ms = 0;
	out->revoked_reason = NULL;
	if (revoked) {
		int64_t r = sanshe_utc_ms(cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(revoked, "at")));

		out->revoked_ms = r < 0 ? 0 : (uint64_t)r;
		out->revoked_reason = cJSON_GetStringValue(
			cJSON_GetObjectItemCaseSensitive(revoked, "reason"));
	}
	day_text(when, at_ms);
	if (memcmp(now->pk, pk, SANSHE_KEY_PUBLIC_BYTES) != 0) {
		int earlier = 0; /* a version in force before `now` had this key */

		for (size_t i = 0; i < m->n && m->v[i] != now; i++)
			earlier |= m->v[i] != unseen &&
				   memcmp(m->v[i]->pk, pk, SANSHE_KEY_PUBLIC_BYTES) == 0;
		if (!earlier)
			return sanshe_error_set(SANSHE_EINVALID,
						_("key %s was not yet the key of %s at %s (that was "
						  "%s)"),
						out->fingerprint, out->name, when, now->fingerprint);
		return sanshe_error_set(SANSHE_EINVALID,
					_("key %s of %s had been replaced by %s before %s"),
					out->fingerprint, out->name, now->fingerprint, when);
	}
	if (now->valid_from < 0 || at_ms < (uint64_t)now->valid_from)
		return sanshe_error_set(SANSHE_EINVALID, _("%s could sign only from %s, not at %s"),
					out->name,
					cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
						now->doc, "valid_from")),
					when);
	if (revoked && at_ms >= out->revoked_ms)
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s's key was revoked at %s (%s) and cannot sign at %s"),
					out->name,
					cJSON_GetStringValue(
						cJSON_GetObjectItemCaseSensitive(revoked, "at")),
					out->revoked_reason ? out->revoked_reason : "", when);
	if (!out->org || !sanshe_trust_has_org(t, out->org))
		return sanshe_error_set(SANSHE_EINVALID,
					_("%s belongs to organization '%s', which is not in the "
					  "roster"),
					out->name, out->org ? out->org : "");
	return 0;
}

/* sanshe_trust_signer_at as if the roster had not the version `unseen` (NULL: none). */
static int signer_at(const sanshe_trust *trust, const unsigned char pk[32], uint64_t at_ms,
		     const version *unseen, sanshe_trust_signer *out)
{
	size_t lo = 0, hi = trust->n_keys, last = (size_t)-1;
	int err = 1;

	memset(out, 0, sizeof(*out));
	sanshe_key_fingerprint_of(out->fingerprint, pk);
	if (!trust->by_pk) { /* still building: every member */
		for (size_t i = 0; i < trust->n_members && err == 1; i++) {
			const member *m = &trust->members[i];
			int has = 0;

			for (size_t j = 0; j < m->n && !has; j++)
				has = m->v[j] != unseen &&
				      memcmp(m->v[j]->pk, pk, SANSHE_KEY_PUBLIC_BYTES) == 0;
			if (has)
				err = standing(trust, m, pk, at_ms, unseen, out);
		}
	} else {
		while (lo < hi) { /* the first entry of this key */
			size_t mid = lo + (hi - lo) / 2;

			if (memcmp(trust->by_pk[mid].v->pk, pk, SANSHE_KEY_PUBLIC_BYTES) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < trust->n_keys && err == 1 &&
		       memcmp(trust->by_pk[lo].v->pk, pk, SANSHE_KEY_PUBLIC_BYTES) == 0;
		     lo++) {
			if (trust->by_pk[lo].member == last)
				continue;
			last = trust->by_pk[lo].member;
			err = standing(trust, &trust->members[last], pk, at_ms, NULL, out);
		}
	}
	if (err == 1)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("key %s is not the key of any member of the roster"),
					out->fingerprint);
	return err;
}

int sanshe_trust_signer_at(const sanshe_trust *trust, const unsigned char pk[32], uint64_t at_ms,
			   sanshe_trust_signer *out)
{
	return signer_at(trust, pk, at_ms, NULL, out);
}

int sanshe_trust_key_lookup(unsigned char pk[32], const char *fingerprint, void *payload)
{
	const sanshe_trust *t = payload;

	if (t->by_fp) {
		size_t lo = 0, hi = t->n_keys;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(t->by_fp[mid].v->fingerprint, fingerprint);

			if (c == 0) {
				memcpy(pk, t->by_fp[mid].v->pk, SANSHE_KEY_PUBLIC_BYTES);
				return 0;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	} else {
		for (size_t i = 0; i < t->n_members; i++)
			for (size_t j = 0; j < t->members[i].n; j++)
				if (strcmp(t->members[i].v[j]->fingerprint, fingerprint) == 0) {
					memcpy(pk, t->members[i].v[j]->pk, SANSHE_KEY_PUBLIC_BYTES);
					return 0;
				}
	}
	return sanshe_error_set(SANSHE_ENOTFOUND,
				_("key %s is not the key of any member of the roster"), fingerprint);
}

int sanshe_trust_signer_fp(const sanshe_trust *trust, const char *fingerprint, uint64_t at_ms,
			   sanshe_trust_signer *out)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];

	if (sanshe_trust_key_lookup(pk, fingerprint, (void *)trust) != 0) {
		memset(out, 0, sizeof(*out));
		snprintf(out->fingerprint, sizeof(out->fingerprint), "%s", fingerprint);
		return SANSHE_ENOTFOUND;
	}
	return sanshe_trust_signer_at(trust, pk, at_ms, out);
}

static int names(const cJSON *list, const char *name)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, list)
		if (cJSON_IsString(item) && strcmp(item->valuestring, name) == 0)
			return 1;
	return 0;
}

int sanshe_trust_may_read(const sanshe_trust *trust, unsigned roles, const char *org,
			  const char *space)
{
	const version *o;

	if (strcmp(space, "trust") == 0 || strcmp(space, "common") == 0)
		return 1;
	if (strncmp(space, "org/", 4) != 0)
		return 0;
	if (org && strcmp(space + 4, org) == 0)
		return 1;
	if (!(o = org_version(trust, space + 4)))
		return 0;
	if (org && names(cJSON_GetObjectItemCaseSensitive(o->doc, "readers"), org))
		return 1;
	return (roles & sanshe_roles_list(
			cJSON_GetObjectItemCaseSensitive(o->doc, "reader_roles"))) != 0;
}

static const char *text_of(const cJSON *obj, const char *name)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, name));
}

static int by_name(const void *a, const void *b)
{
	const version *x = *(version *const *)a, *y = *(version *const *)b;
	int c = strcmp(text_of(x->doc, "name"), text_of(y->doc, "name"));

	return c ? c : strcmp(x->id, y->id);
}

int sanshe_trust_members(const sanshe_trust *trust,
			 int (*cb)(const sanshe_trust_member *member, void *payload), void *payload)
{
	version **newest = calloc(trust->n_members ? trust->n_members : 1, sizeof(*newest));
	int err = 0;

	if (!newest)
		return no_memory();
	for (size_t i = 0; i < trust->n_members; i++)
		newest[i] = trust->members[i].v[trust->members[i].n - 1];
	qsort(newest, trust->n_members, sizeof(*newest), by_name);
	for (size_t i = 0; !err && i < trust->n_members; i++) {
		const version *v = newest[i];
		const cJSON *revoked = revoked_of(v);
		sanshe_trust_member m;

		m.id = v->id;
		m.name = text_of(v->doc, "name");
		m.org = text_of(v->doc, "org");
		m.kind = text_of(v->doc, "kind") ? text_of(v->doc, "kind") : "person";
		m.roles = v->roles;
		m.key = text_of(v->doc, "key");
		memcpy(m.fingerprint, v->fingerprint, sizeof(m.fingerprint));
		m.valid_from = text_of(v->doc, "valid_from");
		m.revoked_at = text_of(revoked, "at");
		m.revoked_reason = text_of(revoked, "reason");
		m.revoked_note = text_of(revoked, "note");
		err = cb(&m, payload);
	}
	free(newest);
	return err;
}

const cJSON *sanshe_trust_member_doc(const sanshe_trust *trust, const char *id)
{
	const member *m = find_member(trust, id);

	return m ? m->v[m->n - 1]->doc : NULL;
}

int sanshe_trust_problems(const sanshe_trust *trust,
			  int (*cb)(const git_oid *blob, const char *type, const char *id,
				    const char *message, void *payload),
			  void *payload)
{
	int err = 0;

	for (size_t i = 0; !err && i < trust->n_versions; i++) {
		const version *v = &trust->versions[i];

		if (v->problem)
			err = cb(&v->blob, v->type, v->id, v->problem, payload);
	}
	return err;
}
