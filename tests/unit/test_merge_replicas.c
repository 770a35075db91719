/*
 * A seeded property test of merging spaces between real repositories
 * (sanshe_merge_trees), the way nodes do it.
 *
 * Each scenario starts a node (its spaces, a case with keyed referrals, a
 * roster, a case note), copies it into 2 or 3 more repositories, and then,
 * at random, lets the replicas edit, remove and create documents (each in
 * a commit of its own, signed by the replica's own key, validated against
 * the schemas) and pull from each other: fetch the other's spaces and
 * merge them like `sanshe merge` (nothing to do, a fast-forward, or a
 * merge commit of the tree sanshe_merge_trees computes).  At last every
 * replica pulls from every other, in random order.  Checked:
 *
 *   symmetry     every merge computes the same tree both ways round;
 *   convergence  all replicas end with the same tree of each space;
 *   no loss      every value any replica wrote is in the final document,
 *                in its `_conflicts`, or was overwritten (or its document
 *                removed) by an edit that had seen it (see overwritten).
 *
 * Time is a fake clock, advanced by the scenario's generator, and keys
 * come from fixed seeds, so that a scenario replays to the same trees.
 * Two different contents of one append-only id are refused by design: the
 * scenarios never write them; one test checks the refusal.
 * SANSHE_PROP_SEED, SANSHE_PROP_RUNS and SANSHE_PROP_SCENARIO as in prop.h.
 *
 * The last exchange goes on, round after round of every replica pulling
 * from every other in random order, until a round changes nothing: then
 * every replica has everything, and convergence is asserted.
 */
#include "testutil.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "json.h"
#include "key_int.h"
#include "merge.h"
#include "node.h"
#include "prop.h"
#include "registry.h"
#include "sshsig.h"

/* About 40 ms a scenario, and five times as much under AddressSanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_RUNS 40
#else
#define DEFAULT_RUNS 100
#endif
#define MAX_REPLICAS 4
#define ORG "tongxin"
#define START_MS 1735689600000ULL /* 2025-01-01 */

static const char *const spaces[] = { "common", "org/" ORG };

static sanshe_key *keys[MAX_REPLICAS];
static cJSON *examples[3]; /* case, roster, case-note */
static uint64_t now_ms;	   /* the fake clock every replica reads */

static struct {
	unsigned long scenarios, edits, removals, creations, notes;
	unsigned long merges, fast_forwards, conflicts, writes, overwritten;
} stats;

static uint64_t fake_now(void)
{
	return now_ms;
}

/* ---- replicas ---- */

typedef struct replica {
	char *path;
	sanshe_store *store;
	sanshe_clock *clock;
	sanshe_member member;
} replica;

/* One edit: a commit of one replica writing or removing one document. */
typedef struct event {
	int replica;
	git_oid commit;
	const char *type;
	char id[64];
	cJSON *before, *after; /* the versions replaced and written (NULL: none) */
} event;

typedef struct world {
	char *dir;
	prop_rng r;
	replica rep[MAX_REPLICAS];
	int n;
	event *ev;
	size_t nev;
	prop_writes w; /* w.by: the event */
} world;

static world *current;

/* A key from a fixed seed: the same fingerprints in every run. */
static sanshe_key *key_from_seed(int i)
{
	unsigned char seed[SANSHE_KEY_SEED_BYTES] = { 0 }, pk[crypto_sign_PUBLICKEYBYTES];
	unsigned char sk[crypto_sign_SECRETKEYBYTES];
	sanshe_key *key = NULL;
	char name[32];

	seed[0] = (unsigned char)(i + 1);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(sk, sizeof(sk));
	snprintf(name, sizeof(name), "replica-%d", i);
	assert_int_equal(sanshe_key__new(&key, name, pk), 0);
	assert_int_equal(sanshe_key__unlock_with_seed(key, seed), 0);
	return key;
}

static int sign_commit(sanshe_buf *armor, const char *commit, size_t len, void *payload)
{
	return sanshe_sshsig_sign(armor, payload, "git", commit, len);
}

/* Commit `change` as replica `r`, at the fake time. */
static void commit(replica *r, sanshe_change *change, const char *subject, git_oid *out)
{
	char email[sizeof(r->member.id) + sizeof(ORG) + 1], message[200];
	sanshe_commit_info info = { r->member.name, email, (int64_t)(now_ms / 1000), 0, message };

	snprintf(email, sizeof(email), "%s@%s", r->member.id, ORG);
	snprintf(message, sizeof(message), "%s\n\nSanshe-Op: %s\n", subject, subject);
	PROP_CHECK(sanshe_change_commit(change, &info, sign_commit, (void *)r->member.key, out) == 0,
		   "commit '%s': %s", subject, sanshe_error_last());
}

static void replica_open(world *w, int i)
{
	replica *r = &w->rep[i];
	char name[32];

	snprintf(name, sizeof(name), "r%d", i);
	r->path = strdup(scratch_path(w->dir, name));
	snprintf(name, sizeof(name), "home%d", i);
	assert_int_equal(sanshe_store_create(&r->store, r->path), 0);
	assert_int_equal(sanshe_store_lock(r->store, 1000), 0);
	assert_int_equal(sanshe_clock_open(&r->clock, scratch_path(w->dir, name), fake_now), 0);
	snprintf(r->member.id, sizeof(r->member.id), "m%d", i);
	snprintf(r->member.org, sizeof(r->member.org), ORG);
	snprintf(r->member.name, sizeof(r->member.name), "Replica %d", i);
	r->member.roles = SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_COORDINATOR; /* cases, rosters */
	r->member.key = keys[i];
}

static void replica_close(replica *r)
{
	sanshe_clock_free(r->clock);
	sanshe_store_free(r->store);
	free(r->path);
}

/* ---- pulling: fetch, then merge like `sanshe merge` ---- */

static git_repository *repo_of(world *w, int i)
{
	return sanshe_store_repository(w->rep[i].store);
}

/*
 * Replica `i` reads the objects of all the others: each one's objects
 * directory is an alternate of its object database (what `git clone
 * --shared` does), so that a fetch is a copy of refs.  What a replica has
 * is what its spaces reach: the merge reads nothing else.
 */
static void share_objects(world *w, int i)
{
	git_odb *odb = NULL;

	assert_int_equal(git_repository_odb(&odb, repo_of(w, i)), 0);
	for (int j = 0; j < w->n; j++)
		if (j != i)
			assert_int_equal(git_odb_add_disk_alternate(
						 odb, scratch_path(w->rep[j].path, "objects")),
					 0);
	git_odb_free(odb);
}

/* Replica `to` fetches the spaces of `from` as refs/sanshe/peers/r<from>/<space>. */
static void fetch(world *w, int to, int from)
{
	char name[80];
	git_oid head;

	for (size_t s = 0; s < SANSHE_ARRAY_SIZE(spaces); s++) {
		snprintf(name, sizeof(name), "refs/sanshe/peers/r%d/%s", from, spaces[s]);
		assert_int_equal(sanshe_store_head(w->rep[from].store, spaces[s], &head), 0);
		assert_int_equal(git_reference_create(NULL, repo_of(w, to), name, &head, 1, "fetch"), 0);
	}
}

/* The merge commit of `theirs` into `head`, its tree computed both ways round. */
static void merge_commit(world *w, int i, const char *space, const git_oid *head,
			 const git_oid *theirs)
{
	sanshe_store *store = w->rep[i].store;
	sanshe_merge_stats ms;
	sanshe_change *change = NULL;
	git_oid tree, back;
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];

	PROP_CHECK(sanshe_merge_trees(store, head, theirs, &tree, &ms) == 0, "merge: %s",
		   sanshe_error_last());
	PROP_CHECK(sanshe_merge_trees(store, theirs, head, &back, NULL) == 0, "merge back: %s",
		   sanshe_error_last());
	PROP_CHECK(git_oid_equal(&tree, &back), "merging into %s gives tree %s, the other way %s",
		   space, git_oid_tostr(a, sizeof(a), &tree), git_oid_tostr(b, sizeof(b), &back));
	assert_int_equal(sanshe_change_new(&change, store, space), 0);
	assert_int_equal(sanshe_change_merge(change, theirs, &tree), 0);
	commit(&w->rep[i], change, "merge", NULL);
	sanshe_change_free(change);
	stats.merges++;
	stats.conflicts += ms.conflicts;
}

static void merge_space(world *w, int i, int from, const char *space)
{
	git_repository *repo = repo_of(w, i);
	char ref[80];
	git_oid head, theirs;
	int has_head = sanshe_store_head(w->rep[i].store, space, &head) == 0;

	snprintf(ref, sizeof(ref), "refs/sanshe/peers/r%d/%s", from, space);
	assert_int_equal(git_reference_name_to_id(&theirs, repo, ref), 0);
	if (has_head && (git_oid_equal(&head, &theirs) ||
			 git_graph_descendant_of(repo, &head, &theirs) == 1))
		return;
	if (!has_head || git_graph_descendant_of(repo, &theirs, &head) == 1) {
		assert_int_equal(sanshe_store_move(w->rep[i].store, space, has_head ? &head : NULL,
						   &theirs, "fast-forward"),
				 0);
		stats.fast_forwards++;
		return;
	}
	merge_commit(w, i, space, &head, &theirs);
}

/* Replica `i` takes in what replica `from` has. */
static void pull(world *w, int i, int from)
{
	prop_doing("replica %d pulling from replica %d", i, from);
	fetch(w, i, from);
	for (size_t s = 0; s < SANSHE_ARRAY_SIZE(spaces); s++)
		merge_space(w, i, from, spaces[s]);
}

/* ---- edits ---- */

static const char *space_of(const char *type)
{
	return strcmp(type, "roster") == 0 ? "common" : "org/" ORG;
}

/* The version of `type`/`id` at replica `i`'s head (NULL: none). */
static cJSON *read_doc(world *w, int i, const char *type, const char *id)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *doc = NULL;
	int err = sanshe_store_read(w->rep[i].store, space_of(type), NULL, type, id, &text);

	if (err == SANSHE_ENOTFOUND)
		sanshe_error_clear();
	else
		PROP_CHECK(err == 0 && sanshe_json_parse(&doc, text.ptr, text.size, id, NULL) == 0,
			   "%s", sanshe_error_last());
	sanshe_buf_dispose(&text);
	return doc;
}

static event *event_add(world *w, int i, const char *type, const char *id, cJSON *before)
{
	event *e;

	assert_non_null(w->ev = realloc(w->ev, (w->nev + 1) * sizeof(*w->ev)));
	e = &w->ev[w->nev++];
	memset(e, 0, sizeof(*e));
	e->replica = i;
	e->type = sanshe_registry_find(type)->name; /* lives as long as the registry */
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->before = before;
	return e;
}

/* The writes of event `e`, then its commit. */
static void event_commit(world *w, event *e, sanshe_change *change, const char *op)
{
	char subject[120];

	prop_diff(&w->w, (int)(e - w->ev), e->before, e->after);
	snprintf(subject, sizeof(subject), "%s %s/%s", op, e->type, e->id);
	commit(&w->rep[e->replica], change, subject, &e->commit);
}

/*
 * Replica `i` writes the draft `doc` over `before` (NULL: none), both then
 * kept by the event.  False, and nothing written, when the schema refuses
 * the draft or it changes nothing.
 */
static bool write_doc(world *w, int i, cJSON *doc, cJSON *before, const char *op)
{
	replica *r = &w->rep[i];
	sanshe_doc_draft draft;
	sanshe_change *change = NULL;
	event *e;

	if (sanshe_doc_draft_new(doc, &draft) != 0) {
		sanshe_error_clear();
		return false;
	}
	if (before && prop_same_record(doc, before))
		return false;
	assert_int_equal(sanshe_change_new(&change, r->store, space_of(draft.type->name)), 0);
	PROP_CHECK(sanshe_node_write(change, doc, &draft, &r->member, r->clock, NULL) == 0,
		   "replica %d cannot write: %s", i, sanshe_error_last());
	e = event_add(w, i, draft.type->name, cJSON_GetStringValue(cJSON_GetObjectItem(doc, "id")),
		      before);
	e->after = doc;
	event_commit(w, e, change, op);
	sanshe_change_free(change);
	return true;
}

/* Replica `i` edits its `type`/`id`: random edits until the schema takes them. */
static void edit_doc(world *w, int i, const char *type, const char *id)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		cJSON *before = read_doc(w, i, type, id), *doc = prop_must(cJSON_Duplicate(before, 1));

		for (unsigned k = 1 + prop_below(&w->r, 3); k > 0; k--)
			prop_edit(&w->r, doc);
		if (write_doc(w, i, doc, before, "edit")) {
			stats.edits++;
			return;
		}
		cJSON_Delete(doc);
		cJSON_Delete(before);
	}
}

static void remove_doc(world *w, int i, const char *type, const char *id)
{
	sanshe_change *change = NULL;
	event *e = event_add(w, i, type, id, read_doc(w, i, type, id));

	assert_int_equal(sanshe_change_new(&change, w->rep[i].store, space_of(type)), 0);
	assert_int_equal(sanshe_change_remove(change, type, id), 0);
	event_commit(w, e, change, "rm");
	sanshe_change_free(change);
	stats.removals++;
}

/* A new document from the example `ex`, with `id`, edited a little when `edits`. */
static void create_doc(world *w, int i, const cJSON *ex, const char *id, bool edits)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		cJSON *doc = prop_must(cJSON_Duplicate(ex, 1));

		cJSON_ReplaceItemInObjectCaseSensitive(doc, "id", prop_must(cJSON_CreateString(id)));
		for (unsigned k = edits ? prop_below(&w->r, 3) : 0; k > 0; k--)
			prop_edit(&w->r, doc);
		if (write_doc(w, i, doc, NULL, "put"))
			return;
		cJSON_Delete(doc);
	}
}

/* A case from a small pool of ids (replicas create the same one), or an edit of it. */
static void create_case(world *w, int i)
{
	char id[8];
	cJSON *had;

	snprintf(id, sizeof(id), "c%u", 2 + prop_below(&w->r, 2));
	if ((had = read_doc(w, i, "case", id))) {
		cJSON_Delete(had);
		edit_doc(w, i, "case", id);
		return;
	}
	create_doc(w, i, examples[0], id, true);
	stats.creations++;
}

/*
 * A case note: a new one, or one of a few shared notes that replicas may
 * write alike (the same content, signed by each: the first signature stays).
 */
static void create_note(world *w, int i)
{
	cJSON *note = prop_must(cJSON_Duplicate(examples[2], 1)), *had;
	char id[32], text[64];
	size_t k = prop_chance(&w->r, 40) ? prop_below(&w->r, 3) : 100 + w->nev;

	snprintf(id, sizeof(id), "n-%zu", k);
	snprintf(text, sizeof(text), "note %zu", k);
	cJSON_ReplaceItemInObjectCaseSensitive(note, "text", prop_must(cJSON_CreateString(text)));
	if ((had = read_doc(w, i, "case-note", id)))
		cJSON_Delete(had);
	else
		create_doc(w, i, note, id, false);
	stats.notes += !had;
	cJSON_Delete(note);
}

typedef struct pick {
	prop_rng *r;
	unsigned seen;
	char type[16], id[64];
} pick;

/* Reservoir sampling: each document listed is picked with the same chance. */
static int pick_one(const char *type, const char *id, const git_oid *blob, void *payload)
{
	pick *p = payload;

	(void)blob;
	if (prop_below(p->r, ++p->seen) == 0) {
		snprintf(p->type, sizeof(p->type), "%s", type);
		snprintf(p->id, sizeof(p->id), "%s", id);
	}
	return 0;
}

/* A case or roster of replica `i`, at random: false when it has none. */
static bool pick_doc(world *w, int i, pick *p)
{
	p->r = &w->r;
	p->seen = 0;
	assert_int_equal(sanshe_store_list(w->rep[i].store, "org/" ORG, "case", pick_one, p), 0);
	assert_int_equal(sanshe_store_list(w->rep[i].store, "common", "roster", pick_one, p), 0);
	return p->seen > 0;
}

/* One step: replica `i` edits, removes or creates a document, or pulls. */
static void step(world *w)
{
	int i = (int)prop_below(&w->r, (unsigned)w->n);
	unsigned k = prop_below(&w->r, 100);
	pick p;

	if (k < 35) {
		pull(w, i, (i + 1 + (int)prop_below(&w->r, (unsigned)w->n - 1)) % w->n);
		return;
	}
	now_ms += 1 + prop_below(&w->r, 3000);
	prop_doing("replica %d writing", i);
	if (k < 85 && k >= 75)
		create_case(w, i);
	else if (k >= 85)
		create_note(w, i);
	else if (!pick_doc(w, i, &p))
		create_case(w, i);
	else if (k < 68)
		edit_doc(w, i, p.type, p.id);
	else
		remove_doc(w, i, p.type, p.id);
}

/* ---- scenarios ---- */

/* Replica 0 founds the node (its spaces, a case, a roster, a note); the others copy it. */
static void world_open(world *w, unsigned long number)
{
	sanshe_change *change = NULL;

	memset(w, 0, sizeof(*w));
	current = w;
	w->r = prop_rng_for(number);
	w->n = 3 + (int)prop_below(&w->r, MAX_REPLICAS - 2);
	w->dir = scratch_dir_make();
	now_ms = START_MS;
	prop_doing("founding the node");
	replica_open(w, 0);
	for (size_t s = 0; s < SANSHE_ARRAY_SIZE(spaces); s++) {
		assert_int_equal(sanshe_change_new(&change, w->rep[0].store, spaces[s]), 0);
		commit(&w->rep[0], change, "open", NULL);
		sanshe_change_free(change);
	}
	create_doc(w, 0, examples[0], "c1", false);
	create_doc(w, 0, examples[1], "r1", false);
	create_doc(w, 0, examples[2], "n0", false);
	for (int i = 1; i < w->n; i++)
		replica_open(w, i);
	for (int i = 0; i < w->n; i++)
		share_objects(w, i);
	for (int i = 1; i < w->n; i++)
		pull(w, i, 0);
}

static void world_close(world *w)
{
	for (int i = 0; i < w->n; i++)
		replica_close(&w->rep[i]);
	for (size_t e = 0; e < w->nev; e++) {
		cJSON_Delete(w->ev[e].before);
		cJSON_Delete(w->ev[e].after);
	}
	free(w->ev);
	prop_writes_free(&w->w);
	scratch_dir_remove(w->dir);
	current = NULL;
}

static void dump_world(void)
{
	char id[GIT_OID_HEXSZ + 1];

	if (!current)
		return;
	fprintf(stderr, "  %d replicas in %s (left for inspection); the edits:\n", current->n,
		current->dir);
	for (size_t e = 0; e < current->nev; e++) {
		const event *ev = &current->ev[e];

		fprintf(stderr, "  %3zu replica %d %s %s/%s in %.12s\n", e, ev->replica,
			!ev->after ? "removed" : ev->before ? "edited" : "created", ev->type, ev->id,
			git_oid_tostr(id, sizeof(id), &ev->commit));
	}
}

/* Every replica pulls from every other, in random order: then each has everything. */
static void exchange_all(world *w)
{
	int pairs[MAX_REPLICAS * MAX_REPLICAS][2], np = 0;

	for (int i = 0; i < w->n; i++)
		for (int j = 0; j < w->n; j++)
			if (i != j)
				pairs[np][0] = i, pairs[np++][1] = j;
	for (int k = np - 1; k > 0; k--) {
		int m = (int)prop_below(&w->r, (unsigned)k + 1), t0 = pairs[k][0], t1 = pairs[k][1];

		pairs[k][0] = pairs[m][0], pairs[k][1] = pairs[m][1];
		pairs[m][0] = t0, pairs[m][1] = t1;
	}
	for (int k = 0; k < np; k++)
		pull(w, pairs[k][0], pairs[k][1]);
}

/* The heads of every space of every replica, in `out`. */
static void heads_of(world *w, git_oid out[][SANSHE_ARRAY_SIZE(spaces)])
{
	for (int i = 0; i < w->n; i++)
		for (size_t s = 0; s < SANSHE_ARRAY_SIZE(spaces); s++)
			assert_int_equal(sanshe_store_head(w->rep[i].store, spaces[s], &out[i][s]), 0);
}

/* Exchange until a round moves no head (a bounded number of rounds). */
static void exchange_until_settled(world *w)
{
	git_oid before[MAX_REPLICAS][SANSHE_ARRAY_SIZE(spaces)];
	git_oid after[MAX_REPLICAS][SANSHE_ARRAY_SIZE(spaces)];

	for (int round = 0; round < 2 * MAX_REPLICAS; round++) {
		heads_of(w, before);
		exchange_all(w);
		heads_of(w, after);
		if (!memcmp(before, after, sizeof(before)))
			return;
	}
	prop_doing("exchanging until nothing changes");
	PROP_CHECK(false, "heads still move after %d rounds of exchanges", 2 * MAX_REPLICAS);
}

static void tree_of(world *w, int i, const char *space, git_oid *out)
{
	git_commit *c = NULL;
	git_oid head;

	assert_int_equal(sanshe_store_head(w->rep[i].store, space, &head), 0);
	assert_int_equal(git_commit_lookup(&c, repo_of(w, i), &head), 0);
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
}

static void check_converged(world *w)
{
	char a[GIT_OID_HEXSZ + 1], b[GIT_OID_HEXSZ + 1];
	git_oid first, other;

	for (size_t s = 0; s < SANSHE_ARRAY_SIZE(spaces); s++) {
		prop_doing("comparing the trees of space '%s'", spaces[s]);
		tree_of(w, 0, spaces[s], &first);
		for (int i = 1; i < w->n; i++) {
			tree_of(w, i, spaces[s], &other);
			PROP_CHECK(git_oid_equal(&first, &other), "replica 0 has tree %s, replica %d %s",
				   git_oid_tostr(a, sizeof(a), &first), i,
				   git_oid_tostr(b, sizeof(b), &other));
		}
	}
}

/*
 * Was write `x` overwritten (at its path or a parent's) by an edit that
 * had seen it: whose commit had x's among its ancestors, or whose version
 * before it had x's value there.  The second is the same to a merge of
 * states: two replicas that wrote one value alike wrote the same thing,
 * and an edit of either's changes it for both.
 */
static bool overwritten(world *w, const prop_write *x)
{
	const event *ex = &w->ev[x->by];

	for (size_t k = 0; k < w->w.n; k++) {
		const prop_write *y = &w->w.w[k];
		const event *ey = &w->ev[y->by];

		if (y->by != x->by && ey->type == ex->type && !strcmp(ey->id, ex->id) &&
		    prop_path_within(y, x) &&
		    (prop_write_matches(x, prop_resolve(ey->before, x->path, x->depth)) ||
		     git_graph_descendant_of(repo_of(w, 0), &ey->commit, &ex->commit) == 1))
			return true;
	}
	return false;
}

/*
 * Every value written is in the final document, its conflicts, or was
 * overwritten by a later edit.  Removals are not values: where two
 * replicas created one document, neither removal nor creation is in the
 * merge base, and a member one of them removed from its own new version
 * is no removal to the merge (test_merge_prop checks removals, against a
 * base).
 */
static void check_no_loss(world *w)
{
	cJSON *doc = NULL;
	int loaded = -1;

	prop_doing("looking for every value written");
	for (size_t k = 0; k < w->w.n; k++) {
		const prop_write *x = &w->w.w[k];
		const event *e = &w->ev[x->by];
		char *text;

		if (loaded < 0 || w->ev[loaded].type != e->type || strcmp(w->ev[loaded].id, e->id)) {
			cJSON_Delete(doc);
			doc = read_doc(w, 0, e->type, e->id);
			loaded = x->by;
		}
		if (x->kind == PROP_REMOVED)
			continue;
		stats.writes++;
		if (prop_write_kept(x, doc))
			continue;
		if (overwritten(w, x)) {
			stats.overwritten++;
			continue;
		}
		text = doc ? prop_canon(doc) : NULL;
		prop_fail(__FILE__, __LINE__, "%s/%s: what edit %d (replica %d) wrote at %s is lost\n"
			  "  final: %s", e->type, e->id, x->by, e->replica, prop_path_text(x),
			  text ? text : "(none)");
	}
	cJSON_Delete(doc);
}

static void scenario_run(unsigned long number)
{
	world w;

	world_open(&w, number);
	for (unsigned k = 8 + prop_below(&w.r, 12); k > 0; k--)
		step(&w);
	exchange_until_settled(&w);
	check_converged(&w);
	check_no_loss(&w);
	world_close(&w);
	stats.scenarios++;
}

static void test_merge_replicas_converge_and_lose_nothing(void **state)
{
	(void)state;
	prop_each(scenario_run);
	printf("# seed 0x%016" PRIx64 ": %lu scenarios; %lu edits, %lu removals, %lu new cases, "
	       "%lu new notes\n",
	       prop.seed, stats.scenarios, stats.edits, stats.removals, stats.creations, stats.notes);
	printf("# %lu merge commits (%lu conflicts recorded), %lu fast-forwards; %lu writes "
	       "checked, %lu of them overwritten by a later edit\n",
	       stats.merges, stats.conflicts, stats.fast_forwards, stats.writes, stats.overwritten);
	prop_known_report();
}

/* Two replicas write one note id with two contents: the merge refuses, naming it. */
static void test_merge_replicas_refuse_two_contents_of_a_note(void **state)
{
	world w;
	cJSON *note[2];
	git_oid head, theirs, tree;

	(void)state;
	prop.number = 0;
	world_open(&w, 0);
	for (int i = 0; i < 2; i++) {
		note[i] = prop_must(cJSON_Duplicate(examples[2], 1));
		cJSON_ReplaceItemInObjectCaseSensitive(note[i], "id", cJSON_CreateString("n-clash"));
		cJSON_ReplaceItemInObjectCaseSensitive(note[i], "text",
						       cJSON_CreateString(i ? "B" : "A"));
		assert_true(write_doc(&w, i, note[i], NULL, "put"));
	}
	fetch(&w, 0, 1);
	assert_int_equal(sanshe_store_head(w.rep[0].store, "org/" ORG, &head), 0);
	assert_int_equal(git_reference_name_to_id(&theirs, repo_of(&w, 0),
						  "refs/sanshe/peers/r1/org/" ORG),
			 0);
	assert_int_equal(sanshe_merge_trees(w.rep[0].store, &head, &theirs, &tree, NULL),
			 SANSHE_ECONFLICT);
	assert_non_null(strstr(sanshe_error_last(), "n-clash"));
	assert_non_null(strstr(sanshe_error_last(), "written once"));
	world_close(&w);
}

static int setup(void **state)
{
	static const char *const names[] = { "case", "roster", "case-note" };

	(void)state;
	/* every commit syncs the file system: the replicas live in memory when they can */
	if (!getenv("TMPDIR") && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	prop_init(DEFAULT_RUNS);
	prop.dump = dump_world;
	assert_int_equal(sanshe_registry_init(), 0);
	for (int i = 0; i < MAX_REPLICAS; i++)
		keys[i] = key_from_seed(i);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(names); i++)
		examples[i] = prop_example(names[i]);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < MAX_REPLICAS; i++)
		sanshe_key_free(keys[i]);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(examples); i++)
		cJSON_Delete(examples[i]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_replicas_converge_and_lose_nothing),
		cmocka_unit_test(test_merge_replicas_refuse_two_contents_of_a_note),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
