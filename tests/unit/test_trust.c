/*
 * The trust roster over time (trust.h), read from real histories: a node
 * founded by its admin, then member and org versions signed at chosen
 * times, some of them doctored (signed by a non-admin, backdated).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canon.h"
#include "node.h"
#include "trust.h"

#define HOUR (3600ULL * 1000)

typedef struct fixture {
	char *dir;
	sanshe_key *admin_key;
	sanshe_clock *clock;
	sanshe_store *store;
	sanshe_member admin;
	uint64_t t0; /* the founder's valid_from, ms */
	sanshe_trust *trust;
} fixture;

static int setup(void **state)
{
	static const sanshe_founding founding = { "同心社工", "agency", "tongxin", "Wang Li", 0 };
	fixture *f = calloc(1, sizeof(*f));
	sanshe_trust *trust = NULL;
	const cJSON *doc;
	int64_t t0;

	f->dir = scratch_dir_make();
	assert_int_equal(sanshe_key_generate(&f->admin_key, "wang-li"), 0);
	assert_int_equal(sanshe_clock_open(&f->clock, scratch_path(f->dir, "home"), NULL), 0);
	if (sanshe_node_found(&f->store, scratch_path(f->dir, "node"), &founding, f->admin_key,
			      f->clock, &f->admin) != 0)
		fail_msg("%s", sanshe_error_last());
	assert_int_equal(sanshe_store_lock(f->store, 1000), 0);
	assert_int_equal(sanshe_trust_load(&trust, f->store, NULL), 0);
	assert_non_null(doc = sanshe_trust_member_doc(trust, f->admin.id));
	t0 = sanshe_utc_ms(cJSON_GetStringValue(cJSON_GetObjectItem(doc, "valid_from")));
	assert_true(t0 > 0);
	f->t0 = (uint64_t)t0;
	sanshe_trust_free(trust);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;

	sanshe_trust_free(f->trust);
	sanshe_store_free(f->store);
	sanshe_clock_free(f->clock);
	sanshe_key_free(f->admin_key);
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" of `ms`. */
static void utc_text(char out[40], uint64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&s, &tm);
	n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 40 - n, ".%03uZ", (unsigned)(ms % 1000));
}

/* A member document (the caller owns it). */
static cJSON *member_doc(const char *id, const char *name, const char *org, unsigned roles,
			 const sanshe_key *key, uint64_t valid_from)
{
	sanshe_buf line = SANSHE_BUF_INIT;
	cJSON *doc = cJSON_CreateObject();
	char from[40];

	utc_text(from, valid_from);
	assert_int_equal(sanshe_key_openssh(key, &line), 0);
	cJSON_AddStringToObject(doc, "type", "member");
	cJSON_AddStringToObject(doc, "id", id);
	cJSON_AddStringToObject(doc, "name", name);
	cJSON_AddStringToObject(doc, "kind", "person");
	cJSON_AddStringToObject(doc, "org", org);
	assert_int_equal(sanshe_node_add_roles(doc, roles), 0);
	cJSON_AddStringToObject(doc, "key", line.ptr);
	cJSON_AddStringToObject(doc, "fingerprint", sanshe_key_fingerprint(key));
	cJSON_AddStringToObject(doc, "valid_from", from);
	sanshe_buf_dispose(&line);
	return doc;
}

/* Mark the member document `doc` revoked at `at`. */
static cJSON *revoked(cJSON *doc, uint64_t at, const char *reason)
{
	cJSON *r = cJSON_AddObjectToObject(doc, "revoked");
	char text[40];

	utc_text(text, at);
	cJSON_AddStringToObject(r, "at", text);
	cJSON_AddStringToObject(r, "reason", reason);
	return doc;
}

/* Sign `doc` (consumed) with `key` at `at_ms` and commit it into the trust space. */
static void put(fixture *f, cJSON *doc, const sanshe_key *key, uint64_t at_ms)
{
	const sanshe_type *type = NULL;
	sanshe_hlc at = { at_ms, 0 };
	sanshe_buf text = SANSHE_BUF_INIT;
	sanshe_change *change = NULL;

	if (sanshe_doc_prepare(doc, &type) != 0 || sanshe_doc_validate(doc, &type, NULL) != 0)
		fail_msg("%s", sanshe_error_last());
	assert_int_equal(sanshe_doc_sign(doc, key, &at), 0);
	assert_int_equal(sanshe_canon_write(&text, doc), 0);
	assert_int_equal(sanshe_change_new(&change, f->store, "trust"), 0);
	assert_int_equal(sanshe_change_put(change, type->name,
					   cJSON_GetObjectItem(doc, "id")->valuestring, text.ptr,
					   text.size), 0);
	assert_int_equal(sanshe_node_commit(change, &f->admin, "put", "put", NULL), 0);
	sanshe_change_free(change);
	sanshe_buf_dispose(&text);
	cJSON_Delete(doc);
}

static const sanshe_trust *load(fixture *f)
{
	sanshe_trust_free(f->trust);
	f->trust = NULL;
	if (sanshe_trust_load(&f->trust, f->store, NULL) != 0)
		fail_msg("%s", sanshe_error_last());
	return f->trust;
}

/* sanshe_trust_signer_at for `key` at t0 + `after` ms. */
static int signer(fixture *f, const sanshe_key *key, uint64_t after, sanshe_trust_signer *who)
{
	sanshe_trust_signer ignored;

	return sanshe_trust_signer_at(f->trust, sanshe_key_public(key), f->t0 + after,
				      who ? who : &ignored);
}

static sanshe_key *key_new(const char *name)
{
	sanshe_key *key = NULL;

	assert_int_equal(sanshe_key_generate(&key, name), 0);
	return key;
}

/* ---- who may sign when ---- */

static void test_trust_founder_is_an_admin_from_valid_from(void **state)
{
	fixture *f = *state;
	sanshe_key *li = key_new("li-na"), *stranger = key_new("stranger");
	sanshe_trust_signer who;

	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	load(f);
	assert_int_equal(signer(f, f->admin_key, 0, &who), 0);
	assert_string_equal(who.member, f->admin.id);
	assert_string_equal(who.name, "Wang Li");
	assert_string_equal(who.org, "tongxin");
	assert_int_equal(who.roles, SANSHE_ROLE_ADMIN);
	assert_string_equal(who.fingerprint, sanshe_key_fingerprint(f->admin_key));
	assert_int_equal(who.revoked, 0);
	assert_int_equal(sanshe_trust_signer_at(f->trust, sanshe_key_public(f->admin_key),
						f->t0 - 1, &who),
			 SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "could sign only from"));
	/* the member added later, with their roles, from their valid_from */
	assert_int_equal(signer(f, li, 2 * HOUR, &who), 0);
	assert_string_equal(who.member, "li");
	assert_int_equal(who.roles, SANSHE_ROLE_SOCIAL_WORKER);
	assert_int_equal(signer(f, li, HOUR, NULL), 0);
	assert_int_equal(signer(f, li, HOUR - 1, &who), SANSHE_EINVALID);
	assert_string_equal(who.member, "li");
	assert_int_equal(signer(f, stranger, 2 * HOUR, &who), SANSHE_ENOTFOUND);
	assert_string_equal(who.fingerprint, sanshe_key_fingerprint(stranger));
	assert_int_equal(sanshe_trust_signer_fp(f->trust, sanshe_key_fingerprint(li),
						f->t0 + 2 * HOUR, &who), 0);
	assert_string_equal(who.name, "Li Na");
	assert_int_equal(sanshe_trust_signer_fp(f->trust, sanshe_key_fingerprint(stranger),
						f->t0 + 2 * HOUR, &who), SANSHE_ENOTFOUND);
	assert_true(sanshe_trust_has_org(f->trust, "tongxin"));
	assert_false(sanshe_trust_has_org(f->trust, "huiming"));
	sanshe_key_free(li);
	sanshe_key_free(stranger);
}

static void test_trust_roles_are_those_in_force_at_the_time(void **state)
{
	fixture *f = *state;
	sanshe_key *li = key_new("li-na");
	sanshe_trust_signer who;

	put(f, member_doc("li", "Li Na", "tongxin",
			  SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_SUPERVISOR, li, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li, f->t0 + HOUR),
	    f->admin_key, f->t0 + 3 * HOUR);
	load(f);
	assert_int_equal(signer(f, li, 2 * HOUR, &who), 0);
	assert_int_equal(who.roles, SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_SUPERVISOR);
	assert_int_equal(signer(f, li, 3 * HOUR - 1, &who), 0);
	assert_int_equal(who.roles, SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_SUPERVISOR);
	assert_int_equal(signer(f, li, 3 * HOUR, &who), 0);
	assert_int_equal(who.roles, SANSHE_ROLE_SOCIAL_WORKER);
	assert_int_equal(signer(f, li, 4 * HOUR, &who), 0);
	assert_int_equal(who.roles, SANSHE_ROLE_SOCIAL_WORKER);
	sanshe_key_free(li);
}

static void test_trust_replaced_key_signs_only_before_its_replacement(void **state)
{
	fixture *f = *state;
	sanshe_key *old = key_new("li-old"), *new = key_new("li-new");
	sanshe_trust_signer who;

	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, old, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, new, f->t0 + HOUR),
	    f->admin_key, f->t0 + 3 * HOUR);
	load(f);
	assert_int_equal(signer(f, old, 2 * HOUR, &who), 0);
	assert_string_equal(who.member, "li");
	assert_int_equal(signer(f, old, 3 * HOUR, &who), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "replaced"));
	assert_int_equal(signer(f, old, 4 * HOUR, &who), SANSHE_EINVALID);
	assert_int_equal(signer(f, new, 4 * HOUR, &who), 0);
	assert_string_equal(who.member, "li");
	assert_int_equal(signer(f, new, 2 * HOUR, &who), SANSHE_EINVALID); /* not its key yet */
	assert_non_null(strstr(sanshe_error_last(), "not yet the key of Li Na"));
	sanshe_key_free(old);
	sanshe_key_free(new);
}

static void test_trust_revocation_refuses_signatures_from_its_time(void **state)
{
	fixture *f = *state;
	sanshe_key *li = key_new("li-na");
	sanshe_trust_signer who;

	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, revoked(member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li,
				  f->t0 + HOUR), f->t0 + 5 * HOUR, "left"),
	    f->admin_key, f->t0 + 5 * HOUR);
	load(f);
	assert_int_equal(signer(f, li, 4 * HOUR, &who), 0);
	assert_int_equal(who.revoked, 1); /* revoked, later */
	assert_int_equal(who.revoked_ms, f->t0 + 5 * HOUR);
	assert_string_equal(who.revoked_reason, "left");
	assert_int_equal(signer(f, li, 5 * HOUR - 1, NULL), 0);
	assert_int_equal(signer(f, li, 5 * HOUR, &who), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "revoked"));
	assert_int_equal(signer(f, li, 6 * HOUR, &who), SANSHE_EINVALID);
	sanshe_key_free(li);
}

static void test_trust_backdated_revocation_reaches_back(void **state)
{
	fixture *f = *state;
	sanshe_key *li = key_new("li-na");

	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	/* signed at 5h, revoked from 3h: the key was compromised before anyone knew */
	put(f, revoked(member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li,
				  f->t0 + HOUR), f->t0 + 3 * HOUR, "key-compromised"),
	    f->admin_key, f->t0 + 5 * HOUR);
	load(f);
	assert_int_equal(signer(f, li, 2 * HOUR, NULL), 0);
	assert_int_equal(signer(f, li, 3 * HOUR, NULL), SANSHE_EINVALID);
	assert_int_equal(signer(f, li, 4 * HOUR, NULL), SANSHE_EINVALID);
	assert_int_equal(signer(f, li, 6 * HOUR, NULL), SANSHE_EINVALID);
	sanshe_key_free(li);
}

/* ---- versions the roster refuses ---- */

typedef struct problems {
	int count;
	char ids[8][64];
	char messages[8][512];
} problems;

static int note_problem(const git_oid *blob, const char *type, const char *id,
			const char *message, void *payload)
{
	problems *p = payload;

	(void)blob, (void)type;
	if (p->count < 8) {
		snprintf(p->ids[p->count], sizeof(p->ids[0]), "%s", id ? id : "");
		snprintf(p->messages[p->count], sizeof(p->messages[0]), "%s", message);
	}
	p->count++;
	return 0;
}

/* The message of the problem with `id`, or NULL. */
static const char *problem_of(const problems *p, const char *id)
{
	for (int i = 0; i < p->count && i < 8; i++)
		if (strcmp(p->ids[i], id) == 0)
			return p->messages[i];
	return NULL;
}

static void test_trust_ignores_a_member_signed_by_a_non_admin(void **state)
{
	fixture *f = *state;
	sanshe_key *li = key_new("li-na"), *mallory = key_new("mallory"),
		   *stranger = key_new("stranger");
	problems p = { 0 };

	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("mallory", "Mallory", "tongxin", SANSHE_ROLE_ADMIN, mallory, f->t0),
	    li, f->t0 + 2 * HOUR);
	put(f, member_doc("eve", "Eve", "tongxin", SANSHE_ROLE_ADMIN, stranger, f->t0), stranger,
	    f->t0 + 2 * HOUR);
	load(f);
	assert_int_equal(signer(f, mallory, 3 * HOUR, NULL), SANSHE_ENOTFOUND);
	assert_int_equal(signer(f, stranger, 3 * HOUR, NULL), SANSHE_ENOTFOUND);
	assert_null(sanshe_trust_member_doc(f->trust, "mallory"));
	assert_null(sanshe_trust_member_doc(f->trust, "eve"));
	assert_int_equal(sanshe_trust_problems(f->trust, note_problem, &p), 0);
	assert_int_equal(p.count, 2);
	assert_non_null(problem_of(&p, "mallory"));
	assert_non_null(strstr(problem_of(&p, "mallory"), "Li Na, who was not an admin then"));
	assert_non_null(problem_of(&p, "eve"));
	assert_int_equal(signer(f, li, 3 * HOUR, NULL), 0);
	sanshe_key_free(li);
	sanshe_key_free(mallory);
	sanshe_key_free(stranger);
}

static void test_trust_retroactively_revoked_admin_loses_what_it_signed_after(void **state)
{
	fixture *f = *state;
	sanshe_key *a = key_new("admin-a"), *x = key_new("x"), *y = key_new("y");
	problems p = { 0 };

	put(f, member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, a, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("x", "X", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, x, f->t0 + 2 * HOUR), a,
	    f->t0 + 2 * HOUR);
	put(f, member_doc("y", "Y", "tongxin", SANSHE_ROLE_ADMIN, y, f->t0 + 4 * HOUR), a,
	    f->t0 + 4 * HOUR);
	/* y, vouched by a, vouches for z: z falls with y */
	put(f, member_doc("z", "Z", "tongxin", SANSHE_ROLE_FINANCE, x, f->t0 + 5 * HOUR), y,
	    f->t0 + 5 * HOUR);
	put(f, revoked(member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, a, f->t0 + HOUR),
		       f->t0 + 3 * HOUR, "key-compromised"),
	    f->admin_key, f->t0 + 6 * HOUR);
	load(f);
	assert_int_equal(signer(f, a, 2 * HOUR, NULL), 0);
	assert_int_equal(signer(f, a, 3 * HOUR, NULL), SANSHE_EINVALID);
	assert_int_equal(signer(f, x, 7 * HOUR, NULL), 0); /* signed before the revocation */
	assert_int_equal(signer(f, y, 7 * HOUR, NULL), SANSHE_ENOTFOUND);
	assert_null(sanshe_trust_member_doc(f->trust, "y"));
	assert_null(sanshe_trust_member_doc(f->trust, "z"));
	assert_int_equal(sanshe_trust_problems(f->trust, note_problem, &p), 0);
	assert_int_equal(p.count, 2);
	assert_non_null(problem_of(&p, "y"));
	assert_non_null(problem_of(&p, "z"));
	sanshe_key_free(a);
	sanshe_key_free(x);
	sanshe_key_free(y);
}

/*
 * a revokes b at 3h; b, revoked, cannot add c at 4h.  Then a is revoked
 * from 2h: a's revocation of b falls, so b was never revoked and c stands.
 */
static void test_trust_fixed_point_restores_what_a_dropped_revocation_refused(void **state)
{
	fixture *f = *state;
	sanshe_key *a = key_new("admin-a"), *b = key_new("admin-b"), *c = key_new("c");
	problems p = { 0 };
	sanshe_trust_signer who;

	put(f, member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, a, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("b", "Admin B", "tongxin", SANSHE_ROLE_ADMIN, b, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR + 1);
	put(f, revoked(member_doc("b", "Admin B", "tongxin", SANSHE_ROLE_ADMIN, b, f->t0 + HOUR),
		       f->t0 + 3 * HOUR, "other"),
	    a, f->t0 + 3 * HOUR);
	put(f, member_doc("c", "C", "tongxin", SANSHE_ROLE_FINANCE, c, f->t0 + 4 * HOUR), b,
	    f->t0 + 4 * HOUR);
	put(f, revoked(member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, a, f->t0 + HOUR),
		       f->t0 + 2 * HOUR, "key-compromised"),
	    f->admin_key, f->t0 + 5 * HOUR);
	load(f);
	assert_int_equal(signer(f, b, 6 * HOUR, &who), 0);
	assert_int_equal(who.revoked, 0);
	assert_int_equal(signer(f, c, 6 * HOUR, &who), 0);
	assert_string_equal(who.member, "c");
	assert_int_equal(sanshe_trust_problems(f->trust, note_problem, &p), 0);
	assert_int_equal(p.count, 1); /* a's revocation of b */
	assert_non_null(problem_of(&p, "b"));
	sanshe_key_free(a);
	sanshe_key_free(b);
	sanshe_key_free(c);
}

/* An admin may write its own member document: revoke itself, replace its key. */
static void test_trust_admin_revokes_itself(void **state)
{
	fixture *f = *state;
	sanshe_key *a = key_new("admin-a");
	sanshe_trust_signer who;

	put(f, member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, a, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, revoked(member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, a, f->t0 + HOUR),
		       f->t0 + 3 * HOUR, "left"),
	    a, f->t0 + 3 * HOUR);
	load(f);
	assert_int_equal(signer(f, a, 2 * HOUR, &who), 0);
	assert_int_equal(who.revoked, 1);
	assert_int_equal(signer(f, a, 4 * HOUR, NULL), SANSHE_EINVALID);
	sanshe_key_free(a);
}

static void test_trust_admin_replaces_its_own_key(void **state)
{
	fixture *f = *state;
	sanshe_key *old = key_new("admin-old"), *new = key_new("admin-new"), *x = key_new("x");

	put(f, member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, old, f->t0 + HOUR),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("a", "Admin A", "tongxin", SANSHE_ROLE_ADMIN, new, f->t0 + HOUR), old,
	    f->t0 + 3 * HOUR);
	put(f, member_doc("x", "X", "tongxin", SANSHE_ROLE_FINANCE, x, f->t0 + 4 * HOUR), new,
	    f->t0 + 4 * HOUR);
	load(f);
	assert_int_equal(signer(f, old, 2 * HOUR, NULL), 0);
	assert_int_equal(signer(f, old, 4 * HOUR, NULL), SANSHE_EINVALID);
	assert_int_equal(signer(f, new, 4 * HOUR, NULL), 0);
	assert_int_equal(signer(f, x, 5 * HOUR, NULL), 0);
	sanshe_key_free(old);
	sanshe_key_free(new);
	sanshe_key_free(x);
}

/* ---- readers ---- */

static cJSON *org_doc(const char *id, const char *name, const char *readers,
		      const char *reader_roles)
{
	cJSON *doc = cJSON_CreateObject();

	cJSON_AddStringToObject(doc, "type", "org");
	cJSON_AddStringToObject(doc, "id", id);
	cJSON_AddStringToObject(doc, "name", name);
	cJSON_AddStringToObject(doc, "kind", "community");
	if (readers)
		cJSON_AddItemToObject(doc, "readers", cJSON_Parse(readers));
	if (reader_roles)
		cJSON_AddItemToObject(doc, "reader_roles", cJSON_Parse(reader_roles));
	return doc;
}

static void test_trust_may_read_follows_readers_and_reader_roles(void **state)
{
	fixture *f = *state;
	const sanshe_trust *t;

	put(f, org_doc("huiming", "惠民社区", "[\"tongxin\"]", "[\"auditor\"]"), f->admin_key,
	    f->t0 + HOUR);
	put(f, org_doc("bureau", "民政局", NULL, NULL), f->admin_key, f->t0 + HOUR + 1);
	t = load(f);
	assert_true(sanshe_trust_has_org(t, "huiming"));
	/* trust and common: everyone */
	assert_int_equal(sanshe_trust_may_read(t, 0, "bureau", "trust"), 1);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_FINANCE, "huiming", "common"), 1);
	/* its own space */
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_SOCIAL_WORKER, "huiming",
					       "org/huiming"), 1);
	/* huiming lists tongxin as a reader, and auditors */
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_SOCIAL_WORKER, "tongxin",
					       "org/huiming"), 1);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_AUDITOR, "bureau", "org/huiming"),
			 1);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_AUDITOR | SANSHE_ROLE_FINANCE,
					       "bureau", "org/huiming"), 1);
	/* others are refused */
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_ADMIN,
					       "bureau", "org/huiming"), 0);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_AUDITOR, "huiming", "org/tongxin"),
			 0);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_AUDITOR, "bureau", "org/nowhere"),
			 0);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_AUDITOR, "bureau", "elsewhere"), 0);
	assert_int_equal(sanshe_trust_may_read(t, SANSHE_ROLE_AUDITOR, NULL, "org/tongxin"), 0);
}

static void test_trust_may_read_follows_the_newest_org_version(void **state)
{
	fixture *f = *state;

	put(f, org_doc("huiming", "惠民社区", "[\"tongxin\"]", NULL), f->admin_key, f->t0 + HOUR);
	put(f, org_doc("huiming", "惠民社区", "[]", NULL), f->admin_key, f->t0 + 2 * HOUR);
	load(f);
	assert_int_equal(sanshe_trust_may_read(f->trust, SANSHE_ROLE_SOCIAL_WORKER, "tongxin",
					       "org/huiming"), 0);
}

/* ---- listing ---- */

typedef struct listed {
	int count;
	char names[8][64];
	unsigned roles[8];
	char revoked_at[8][40];
} listed;

static int note_member(const sanshe_trust_member *m, void *payload)
{
	listed *l = payload;

	assert_true(l->count < 8);
	snprintf(l->names[l->count], sizeof(l->names[0]), "%s", m->name);
	snprintf(l->revoked_at[l->count], sizeof(l->revoked_at[0]), "%s",
		 m->revoked_at ? m->revoked_at : "-");
	l->roles[l->count++] = m->roles;
	return 0;
}

static int stop_at_first(const sanshe_trust_member *m, void *payload)
{
	(void)m;
	++*(int *)payload;
	return 7;
}

static void test_trust_members_lists_newest_versions_by_name(void **state)
{
	fixture *f = *state;
	sanshe_key *li = key_new("li-na"), *zhao = key_new("zhao"), *an = key_new("an");
	listed l = { 0 };
	const cJSON *doc;
	char at[40];
	int calls = 0;

	put(f, member_doc("z-1", "Zhao Gang", "tongxin", SANSHE_ROLE_FINANCE, zhao, f->t0),
	    f->admin_key, f->t0 + HOUR);
	put(f, member_doc("li", "Li Na", "tongxin", SANSHE_ROLE_SOCIAL_WORKER, li, f->t0),
	    f->admin_key, f->t0 + HOUR + 1);
	put(f, member_doc("li", "Li Na", "tongxin",
			  SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_SUPERVISOR, li, f->t0),
	    f->admin_key, f->t0 + 2 * HOUR);
	put(f, revoked(member_doc("an", "An Qi", "tongxin", SANSHE_ROLE_AUDITOR, an, f->t0),
		       f->t0 + 3 * HOUR, "role-ended"),
	    f->admin_key, f->t0 + 3 * HOUR);
	load(f);
	assert_int_equal(sanshe_trust_members(f->trust, note_member, &l), 0);
	assert_int_equal(l.count, 4);
	assert_string_equal(l.names[0], "An Qi");
	assert_string_equal(l.names[1], "Li Na");
	assert_string_equal(l.names[2], "Wang Li");
	assert_string_equal(l.names[3], "Zhao Gang");
	assert_int_equal(l.roles[1], SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_SUPERVISOR);
	utc_text(at, f->t0 + 3 * HOUR);
	assert_string_equal(l.revoked_at[0], at);
	assert_string_equal(l.revoked_at[1], "-");
	assert_int_equal(sanshe_trust_members(f->trust, stop_at_first, &calls), 7);
	assert_int_equal(calls, 1);
	assert_non_null(doc = sanshe_trust_member_doc(f->trust, "li"));
	assert_int_equal(sanshe_roles_of(doc), SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_SUPERVISOR);
	assert_null(sanshe_trust_member_doc(f->trust, "nobody"));
	sanshe_key_free(li);
	sanshe_key_free(zhao);
	sanshe_key_free(an);
}

/* ---- times ---- */

static void test_trust_utc_ms_reads_rfc3339_utc(void **state)
{
	(void)state;
	assert_int_equal(sanshe_utc_ms("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(sanshe_utc_ms("2024-05-01T08:00:00Z"), 1714550400000LL);
	assert_int_equal(sanshe_utc_ms("2024-05-01T08:00:00.5Z"), 1714550400500LL);
	assert_int_equal(sanshe_utc_ms("2024-05-01T08:00:00.05Z"), 1714550400050LL);
	assert_int_equal(sanshe_utc_ms("2024-05-01T08:00:00.123Z"), 1714550400123LL);
	assert_int_equal(sanshe_utc_ms("2024-05-01T08:00:00.123999999Z"), 1714550400123LL);
	assert_int_equal(sanshe_utc_ms("2024-02-29T23:59:59Z"), 1709251199000LL);
	assert_int_equal(sanshe_utc_ms("2000-02-29T00:00:00Z"), 951782400000LL);
	assert_int_equal(sanshe_utc_ms("2016-12-31T23:59:60Z"), 1483228800000LL);
}

static void test_trust_utc_ms_refuses_what_is_not_a_utc_time(void **state)
{
	static const char *const bad[] = {
		"",
		"2024-05-01",
		"2024-05-01T08:00:00",	     /* no Z */
		"2024-05-01T08:00:00+08:00", /* not UTC */
		"2024-05-01T08:00:00.5",
		"2024-05-01T08:00:00Zjunk",
		"2024-05-01T08:00:00.5Z ",
		"2024-05-01T08:00:00z",
		"2024-05-01 08:00:00Z",
		"2024-05-01T08:00:00.Z",     /* a point and no digits */
		"2024-5-1T8:0:0Z",	     /* not two digits each */
		" 2024-05-01T08:00:00Z",
		"2024-02-30T00:00:00Z",	     /* no such day */
		"2023-02-29T00:00:00Z",
		"2024-13-01T00:00:00Z",
		"2024-05-01T24:00:00Z",
		"2024-05-01T08:60:00Z",
		"2024",
		NULL,
	};

	(void)state;
	assert_int_equal(sanshe_utc_ms(NULL), -1);
	for (size_t i = 0; bad[i]; i++)
		if (sanshe_utc_ms(bad[i]) != -1)
			fail_msg("'%s' read as %lld", bad[i], (long long)sanshe_utc_ms(bad[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_trust_founder_is_an_admin_from_valid_from,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_roles_are_those_in_force_at_the_time,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_trust_replaced_key_signs_only_before_its_replacement, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_trust_revocation_refuses_signatures_from_its_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_backdated_revocation_reaches_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trust_ignores_a_member_signed_by_a_non_admin,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_trust_retroactively_revoked_admin_loses_what_it_signed_after, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_trust_fixed_point_restores_what_a_dropped_revocation_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_trust_admin_revokes_itself, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_admin_replaces_its_own_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_trust_may_read_follows_readers_and_reader_roles,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_may_read_follows_the_newest_org_version,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_members_lists_newest_versions_by_name,
						setup, teardown),
		cmocka_unit_test(test_trust_utc_ms_reads_rfc3339_utc),
		cmocka_unit_test(test_trust_utc_ms_refuses_what_is_not_a_utc_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
