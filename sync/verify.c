/* The auditor's verify: walking the history (verify.h, verify_int.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "json.h"
#include "merge.h"
#include "node.h"
#include "oidset.h"
#include "verify_int.h"

/* Sequence numbers: space (8 bits), commit (32), item in the commit (24). */
#define SEQ(space, commit, item) \
	((uint64_t)(space) << 56 | (uint64_t)(commit) << 24 | (uint64_t)(item))

typedef struct walker {
	sanshe_store *store;
	git_repository *repo;
	const sanshe_verify_options *opt;
	sanshe_verify_summary *summary;
	sanshe_trust *trust;
	vpool pool;
	int pool_started;
	vtrees *trees;
	/* the space being walked */
	const char *space;
	unsigned space_no;
	uint32_t commit_no;
	uint32_t item;
	git_oid since;
	int has_since;
	/* blobs checked in this space */
	sanshe_oidset seen;
} walker;

static int no_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

/* ---- findings found by the walker itself ---- */

static int finding(walker *w, const char *rule, const char *commit, const char *type,
		   const char *id, const char *message)
{
	return sanshe_vpool_finding(&w->pool, SEQ(w->space_no, w->commit_no, w->item++), rule,
				    w->space, commit, type, id, NULL, NULL, NULL, message);
}

/* ---- one commit ---- */

/* "type/xx/id.json": the registered type and the id, when the path is one. */
static int parse_path(walker *w, const char *path, const sanshe_type **type, char *id,
		      const char *commit)
{
	sanshe_buf expect = SANSHE_BUF_INIT;
	const char *slash = strchr(path, '/'), *base = strrchr(path, '/');
	char type_name[64], message[600];
	size_t n, len;
	int ok;

	*type = NULL;
	if (slash && (size_t)(slash - path) < sizeof(type_name)) {
		memcpy(type_name, path, (size_t)(slash - path));
		type_name[slash - path] = '\0';
		*type = sanshe_registry_find(type_name);
	}
	ok = *type && base && (len = strlen(base + 1)) > 5 &&
	     strcmp(base + 1 + len - 5, ".json") == 0 && (n = len - 5) <= SANSHE_DOC_ID_MAX;
	if (ok) {
		memcpy(id, base + 1, n);
		id[n] = '\0';
		ok = sanshe_doc_id_valid(id) && sanshe_store_doc_path(&expect, type_name, id) == 0 &&
		     strcmp(expect.ptr, path) == 0;
	}
	sanshe_buf_dispose(&expect);
	sanshe_error_clear();
	if (!ok) {
		snprintf(message, sizeof(message),
			 _("'%s' is not where a document is kept (<type>/<2 hex>/<id>.json)"),
			 path);
		return finding(w, SANSHE_VERIFY_DOC_INVALID, commit, NULL, NULL, message) ? -1 : 1;
	}
	if (((*type)->space == SANSHE_SPACE_TRUST && strcmp(w->space, "trust") != 0) ||
	    ((*type)->space == SANSHE_SPACE_COMMON && strcmp(w->space, "common") != 0) ||
	    ((*type)->space == SANSHE_SPACE_ORG && strncmp(w->space, "org/", 4) != 0)) {
		snprintf(message, sizeof(message), _("%s documents do not belong in space %s"),
			 (*type)->name, w->space);
		return finding(w, SANSHE_VERIFY_DOC_INVALID, commit, (*type)->name, id, message)
			       ? -1
			       : 1;
	}
	return 0;
}

static int touch(vjob *job, const sanshe_type *type, const char *id)
{
	vtouch *grown;

	for (size_t i = 0; i < job->n_touched; i++)
		if (job->touched[i].type == type) {
			job->touched[i].count++;
			return 0;
		}
	if (!(grown = realloc(job->touched, (job->n_touched + 1) * sizeof(*grown))))
		return no_memory();
	job->touched = grown;
	grown[job->n_touched].type = type;
	snprintf(grown[job->n_touched].id, sizeof(grown->id), "%s", id);
	grown[job->n_touched++].count = 1;
	return 0;
}

/* A new version of a document: queued for a worker (once per blob in a space). */
static int queue_version(walker *w, const git_oid *blob_id, const sanshe_type *type,
			 const char *id, const char *commit)
{
	vjob *job;
	int err;

	if ((err = sanshe_oidset_add(&w->seen, blob_id)) <= 0)
		return err;
	if (!(job = calloc(1, sizeof(*job))))
		return no_memory();
	job->kind = VJOB_DOC;
	job->seq = SEQ(w->space_no, w->commit_no, w->item++);
	job->space = w->space;
	memcpy(job->commit, commit, sizeof(job->commit));
	git_oid_cpy(&job->object, blob_id);
	job->type = type;
	snprintf(job->id, sizeof(job->id), "%s", id);
	sanshe_vpool_push(&w->pool, job);
	return 0;
}

/* One path a commit changed: its old and new blob (zero when absent). */
typedef struct vchange {
	char path[512];
	git_oid old_id, new_id;
} vchange;

typedef int (*vchange_cb)(walker *w, const vchange *c, vjob *cjob, const char *commit);

/* The next entry of a tree being compared, or none (`e->name` NULL) at its end. */
static int next_entry(const vtree *t, size_t *at, ventry *e)
{
	int rc = t->data ? sanshe_vtree_next(t, at, e) : 0;

	if (rc <= 0)
		e->name = NULL;
	return rc < 0 ? rc : 0;
}

/* Compare the entries of two trees read (either may be empty), at `path`. */
static int diff_entries(walker *w, const vtree *old_tree, const vtree *new_tree, char *path,
			size_t len, vchange_cb cb, vjob *cjob, const char *commit);

/*
 * Compare two trees (either may be NULL), descending only into subtrees
 * whose ids differ: a commit that changes two documents costs a few tree
 * reads, whatever the size of the space.  Folders and files are told apart
 * by mode; a file where a folder was (or the reverse) is both a removal and
 * an addition.  The new tree is kept as the latest at its path, where the
 * next commit will find it as its old one.
 */
static int diff_trees(walker *w, const git_oid *old_id, const git_oid *new_id, char *path,
		      size_t len, vchange_cb cb, vjob *cjob, const char *commit)
{
	vtree old_tree = { 0 }, new_tree = { 0 };
	int err = 0;

	if ((old_id && (err = sanshe_vtrees_read(w->trees, path, old_id, &old_tree)) != 0) ||
	    (new_id && (err = sanshe_vtrees_read(w->trees, path, new_id, &new_tree)) != 0))
		goto done;
	err = diff_entries(w, &old_tree, &new_tree, path, len, cb, cjob, commit);
	if (!err)
		err = sanshe_vtrees_keep(w->trees, path, &new_tree);
done:
	sanshe_vtree_release(&old_tree);
	sanshe_vtree_release(&new_tree);
	return err;
}

static int diff_entries(walker *w, const vtree *old_tree, const vtree *new_tree, char *path,
			size_t len, vchange_cb cb, vjob *cjob, const char *commit)
{
	size_t i = 0, j = 0;
	ventry o, n;
	int err;

	if ((err = next_entry(old_tree, &i, &o)) != 0 || (err = next_entry(new_tree, &j, &n)) != 0)
		return err;
	while (!err && (o.name || n.name)) {
		int c = !o.name ? 1 : !n.name ? -1 : strcmp(o.name, n.name);
		const ventry *old = c <= 0 ? &o : NULL, *new = c >= 0 ? &n : NULL;
		const char *name = c <= 0 ? o.name : n.name;
		size_t k;

		if (c == 0 && git_oid_equal(o.id, n.id) && o.mode == n.mode)
			goto next;
		k = len + (len ? 1 : 0) + strlen(name);
		if (k >= 512) {
			err = finding(w, SANSHE_VERIFY_DOC_INVALID, commit, NULL, NULL,
				      _("a path longer than any document's"));
			goto next;
		}
		snprintf(path + len, 512 - len, "%s%s", len ? "/" : "", name);
		if ((old && old->dir) || (new && new->dir))
			err = diff_trees(w, old && old->dir ? old->id : NULL,
					 new && new->dir ? new->id : NULL, path, k, cb, cjob, commit);
		if (!err && ((old && !old->dir) || (new && !new->dir))) {
			vchange ch;

			memcpy(ch.path, path, k + 1);
			memset(&ch.old_id, 0, sizeof(ch.old_id));
			memset(&ch.new_id, 0, sizeof(ch.new_id));
			if (old && !old->dir)
				git_oid_cpy(&ch.old_id, old->id);
			if (new && !new->dir)
				git_oid_cpy(&ch.new_id, new->id);
			err = cb(w, &ch, cjob, commit);
		}
		path[len] = '\0';
next:
		if (!err && c <= 0)
			err = next_entry(old_tree, &i, &o);
		if (!err && c >= 0)
			err = next_entry(new_tree, &j, &n);
	}
	return err;
}

/* One changed path of a commit that is not a merge. */
static int check_change(walker *w, const vchange *ch, vjob *cjob, const char *commit)
{
	const sanshe_type *type;
	char id[SANSHE_DOC_ID_MAX + 1], message[600];
	int added = git_oid_is_zero(&ch->old_id), removed = git_oid_is_zero(&ch->new_id);
	int err;

	if ((err = parse_path(w, ch->path, &type, id, commit)) != 0)
		return err > 0 ? 0 : err;
	if ((err = touch(cjob, type, id)) != 0)
		return err;
	if (type->merge == SANSHE_MERGE_APPEND_ONLY && !added) {
		snprintf(message, sizeof(message),
			 removed ? _("%s '%s' is written once and kept: this commit removes it")
				 : _("%s '%s' is written once and kept: this commit changes it"),
			 type->name, id);
		err = finding(w, SANSHE_VERIFY_APPEND_ONLY, commit, type->name, id, message);
	}
	if (!err && !removed)
		err = queue_version(w, &ch->new_id, type, id, commit);
	return err;
}

/* What a commit that is not a merge changed: each path, each new version. */
static int walk_changes(walker *w, git_commit *c, vjob *cjob, const char *commit)
{
	char path[512] = "";
	const git_oid *parent_tree = NULL;
	git_commit *parent = NULL;
	int err;

	if (git_commit_parentcount(c) == 1) {
		if (git_commit_parent(&parent, c, 0) != 0)
			return sanshe_git_error(SANSHE_EIO, _("cannot read a commit's parent"));
		parent_tree = git_commit_tree_id(parent);
	}
	err = diff_trees(w, parent_tree, git_commit_tree_id(c), path, 0, check_change, cjob,
			 commit);
	git_commit_free(parent);
	return err;
}

/* A merge commit's tree must be what the merge engine computes from its parents. */
static int check_merge(walker *w, git_commit *c, const char *commit)
{
	git_oid tree;
	char message[1024], want[GIT_OID_HEXSZ + 1], got[GIT_OID_HEXSZ + 1];
	int err;

	w->summary->merges++;
	if (git_commit_parentcount(c) != 2) {
		snprintf(message, sizeof(message),
			 _("a merge of %u parents: sanshe merges two at a time"),
			 git_commit_parentcount(c));
		return finding(w, SANSHE_VERIFY_MERGE_MISMATCH, commit, NULL, NULL, message);
	}
	err = sanshe_merge_trees(w->store, git_commit_parent_id(c, 0), git_commit_parent_id(c, 1),
				 &tree, NULL);
	if (err == SANSHE_ENOMEM || err == SANSHE_EIO)
		return err;
	if (err) {
		snprintf(message, sizeof(message),
			 _("the merge engine cannot merge the commit's parents: %s"),
			 sanshe_error_last());
		sanshe_error_clear();
		return finding(w, SANSHE_VERIFY_MERGE_MISMATCH, commit, NULL, NULL, message);
	}
	if (git_oid_equal(&tree, git_commit_tree_id(c)))
		return 0;
	git_oid_tostr(want, sizeof(want), &tree);
	git_oid_tostr(got, sizeof(got), git_commit_tree_id(c));
	snprintf(message, sizeof(message),
		 _("the merge commit's tree %.12s is not what merging its parents gives (%.12s): "
		   "something was added, changed or dropped by hand"),
		 got, want);
	return finding(w, SANSHE_VERIFY_MERGE_MISMATCH, commit, NULL, NULL, message);
}

static int check_commit(walker *w, const git_oid *id)
{
	git_commit *c = NULL;
	vjob *job;
	int err;

	if (!(job = calloc(1, sizeof(*job))))
		return no_memory();
	job->kind = VJOB_COMMIT;
	job->space = w->space;
	git_oid_cpy(&job->object, id);
	git_oid_tostr(job->commit, sizeof(job->commit), id);
	w->item = 1;
	job->seq = SEQ(w->space_no, w->commit_no, 0);
	if (git_commit_lookup(&c, sanshe_vtrees_repository(w->trees), id) != 0) {
		sanshe_vjob_free(job);
		return sanshe_git_error(SANSHE_EIO, _("cannot read a commit"));
	}
	job->time = git_commit_committer(c)->when.time;
	job->merge = git_commit_parentcount(c) > 1;
	err = job->merge ? check_merge(w, c, job->commit) : walk_changes(w, c, job, job->commit);
	if (!err) {
		sanshe_vpool_push(&w->pool, job); /* after its documents: the types are known */
		job = NULL;
		w->summary->commits++;
	}
	sanshe_vjob_free(job);
	git_commit_free(c);
	return err;
}

/* ---- one space ---- */

/* Has the history of the space kept every head this node accepted? */
static int check_accepted(walker *w, const git_oid *head)
{
	git_reference *ref = NULL;
	char name[SANSHE_SPACE_MAX + 32], message[512], was[GIT_OID_HEXSZ + 1];
	const git_oid *accepted;
	int err = 0;

	snprintf(name, sizeof(name), "refs/sanshe/accepted/%s", w->space);
	if (git_reference_lookup(&ref, w->repo, name) != 0)
		return 0; /* none remembered yet */
	accepted = git_reference_target(ref);
	if (accepted && !git_oid_equal(accepted, head) &&
	    git_graph_descendant_of(w->repo, head, accepted) != 1) {
		git_oid_tostr(was, sizeof(was), accepted);
		snprintf(message, sizeof(message),
			 _("the space's history no longer contains commit %.12s, which this node "
			   "accepted before: history was rewritten"),
			 was);
		err = sanshe_vpool_finding(&w->pool, SEQ(w->space_no, 0, 0),
					   SANSHE_VERIFY_REWRITTEN, w->space, was, NULL, NULL,
					   NULL, NULL, NULL, message);
	}
	git_reference_free(ref);
	return err;
}

static int by_seq(const void *a, const void *b)
{
	uint64_t x = ((const vfinding *)a)->seq, y = ((const vfinding *)b)->seq;

	return (x > y) - (x < y);
}

/* Hand the findings so far to the caller, in history order, and forget them. */
static int report(walker *w)
{
	vpool *p = &w->pool;
	int err = 0;

	sanshe_vpool_drain(p);
	if (p->failed)
		return sanshe_error_set(p->failure_code, "%s", p->failure);
	if (p->n_findings)
		qsort(p->findings, p->n_findings, sizeof(*p->findings), by_seq);
	for (size_t i = 0; i < p->n_findings; i++) {
		vfinding *f = &p->findings[i];
		sanshe_verify_finding out = { f->rule,	 f->space,	 f->commit, f->type, f->id,
					      f->signer, f->signer_name, f->at,	    f->message };

		if (!err && (err = w->opt->finding(&out, w->opt->payload)) == 0)
			w->summary->findings++;
		sanshe_vfinding_dispose(f);
	}
	p->n_findings = 0;
	return err;
}

/*
 * Commits between refreshes of the tree reader (sanshe_vtrees_refresh):
 * at 100,000 commits in 8 packs, peak RSS 253 MB without, 191 MB every
 * 8192 commits, 177 MB every 2048, at no measurable cost in time.
 */
#define REFRESH_EVERY 2048

/* The space's commits, oldest first, into `ids` (the revision walk is released). */
static int list_commits(walker *w, const git_oid *head, git_oid **ids, size_t *n)
{
	git_revwalk *walk = NULL;
	size_t cap = 0;
	git_oid id;
	int err = 0, rc;

	*ids = NULL;
	*n = 0;
	if (git_revwalk_new(&walk, w->repo) != 0 || git_revwalk_push(walk, head) != 0 ||
	    (w->has_since && git_revwalk_hide(walk, &w->since) != 0) ||
	    (w->opt->known && git_revwalk_hide(walk, w->opt->known) != 0)) {
		git_revwalk_free(walk);
		return sanshe_git_error(SANSHE_EIO, _("cannot read the history"));
	}
	git_revwalk_sorting(walk, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	while (!err && (rc = git_revwalk_next(&id, walk)) == 0) {
		if (*n == cap) {
			git_oid *grown = realloc(*ids, (cap ? 2 * cap : 1024) * sizeof(*grown));

			if (!grown) {
				err = no_memory();
				break;
			}
			*ids = grown;
			cap = cap ? 2 * cap : 1024;
		}
		git_oid_cpy(&(*ids)[(*n)++], &id);
	}
	if (!err && rc != GIT_ITEROVER)
		err = sanshe_git_error(SANSHE_EIO, _("cannot read the history"));
	git_revwalk_free(walk);
	if (err) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return err;
}

static int walk_space(walker *w, const git_oid *head)
{
	git_oid *ids = NULL;
	size_t n = 0;
	int err;

	sanshe_oidset_clear(&w->seen);
	w->commit_no = 1;
	if ((err = sanshe_vtrees_forget(w->trees)) != 0)
		return err;
	if (!w->opt->tip && (err = check_accepted(w, head)) != 0)
		return err;
	if ((err = list_commits(w, head, &ids, &n)) != 0)
		return err;
	for (size_t i = 0; !err && i < n; i++) {
		if (i && i % REFRESH_EVERY == 0)
			err = sanshe_vtrees_refresh(w->trees);
		if (!err)
			err = check_commit(w, &ids[i]);
		w->commit_no++;
	}
	free(ids);
	if (!err)
		err = report(w);
	return err;
}

/* ---- the rules between documents, over the heads ---- */

typedef struct rules_walk {
	walker *w;
	sanshe_rules *rules;
	const char *space;
	git_oid head;
} rules_walk;

/* A document at a head: the workers read it and feed the rules. */
static int add_doc(const char *type, const char *id, const git_oid *blob, void *payload)
{
	rules_walk *r = payload;
	vjob *job;

	(void)id;
	if (!sanshe_rules_reads(type))
		return 0;
	if (!(job = calloc(1, sizeof(*job))))
		return no_memory();
	job->kind = VJOB_RULES;
	job->space = r->space;
	git_oid_cpy(&job->object, blob);
	sanshe_vpool_push(&r->w->pool, job);
	return 0;
}

/* A rule's finding, with the signer and time of the document it names. */
static int rule_finding(const sanshe_finding *f, void *payload)
{
	rules_walk *r = payload;
	walker *w = r->w;
	sanshe_buf text = SANSHE_BUF_INIT;
	sanshe_merge_clock clock;
	sanshe_trust_signer who;
	char head[GIT_OID_HEXSZ + 1] = "", at[SANSHE_HLC_MAX] = "";
	const char *signer = NULL, *name = NULL;
	git_oid tip;
	cJSON *doc = NULL;
	int err;

	if (sanshe_store_head(w->store, f->space, &tip) == 0)
		git_oid_tostr(head, sizeof(head), &tip);
	if (sanshe_store_read(w->store, f->space, NULL, f->type, f->id, &text) == 0 &&
	    sanshe_json_parse(&doc, text.ptr, text.size, NULL, NULL) == 0 &&
	    sanshe_merge_clock_of(doc, &clock) == 0) {
		sanshe_hlc_format(at, clock.at);
		signer = clock.key;
		sanshe_trust_signer_fp(w->trust, clock.key, clock.at.ms, &who);
		name = who.name;
	}
	sanshe_error_clear();
	err = sanshe_vpool_finding(&w->pool, SEQ(255, 0, w->item++), f->rule, f->space,
				   head[0] ? head : NULL, f->type, f->id, signer, name,
				   at[0] ? at : NULL, f->message);
	cJSON_Delete(doc);
	sanshe_buf_dispose(&text);
	return err;
}

static int project_totals(const sanshe_rules_project *p, void *payload)
{
	const sanshe_verify_options *opt = payload;

	return opt->project(p, opt->payload);
}

static int check_rules(walker *w, char **spaces, size_t n)
{
	rules_walk r = { w, NULL, NULL, { { 0 } } };
	int err;

	if ((err = sanshe_rules_new(&r.rules)) != 0)
		return err;
	w->pool.rules = r.rules;
	for (size_t i = 0; !err && i < n; i++) {
		r.space = spaces[i];
		err = sanshe_store_list(w->store, spaces[i], NULL, add_doc, &r);
	}
	sanshe_vpool_drain(&w->pool); /* every document is in the rules */
	w->pool.rules = NULL;
	if (!err && w->pool.failed)
		err = sanshe_error_set(w->pool.failure_code, "%s", w->pool.failure);
	w->space_no = 255;
	w->item = 0;
	if (!err && (err = sanshe_rules_finish(r.rules, rule_finding, &r)) == 0)
		err = report(w);
	if (!err && w->opt->project)
		err = sanshe_rules_projects(r.rules, project_totals, (void *)w->opt);
	sanshe_rules_free(r.rules);
	return err;
}

/* ---- the whole node ---- */

typedef struct space_list {
	char **names;
	size_t n;
	const char *only;
} space_list;

static int note_space(const char *space, const git_oid *head, void *payload)
{
	space_list *l = payload;
	char **grown;

	(void)head;
	if (l->only && strcmp(space, l->only) != 0)
		return 0;
	if (!(grown = realloc(l->names, (l->n + 1) * sizeof(*grown))) ||
	    !(grown[l->n] = strdup(space))) {
		if (grown)
			l->names = grown;
		return no_memory();
	}
	l->names = grown;
	l->n++;
	return 0;
}

/* trust first (the roster), then common, then the organizations' spaces. */
static int space_rank(const char *space)
{
	return strcmp(space, "trust") == 0 ? 0 : strcmp(space, "common") == 0 ? 1 : 2;
}

static int by_rank(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int c = space_rank(x) - space_rank(y);

	return c ? c : strcmp(x, y);
}

static int roster_problem(const git_oid *blob, const char *type, const char *id,
			  const char *message, void *payload)
{
	walker *w = payload;
	char text[1024];

	snprintf(text, sizeof(text), _("%s (version %.12s); the roster ignores it"), message,
		 git_oid_tostr_s(blob));
	return sanshe_vpool_finding(&w->pool, SEQ(0, 0, w->item++), SANSHE_VERIFY_ROSTER_INVALID,
				    "trust", NULL, type, id, NULL, NULL, NULL, text);
}

static unsigned thread_count(unsigned asked)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (asked)
		return asked;
	if (cores < 1)
		cores = 1;
	return cores > 4 ? 4 : (unsigned)cores;
}

static int resolve_since(walker *w)
{
	git_object *obj = NULL, *commit = NULL;
	int ok;

	if (!w->opt->since)
		return 0;
	ok = git_revparse_single(&obj, w->repo, w->opt->since) == 0 &&
	     git_object_peel(&commit, obj, GIT_OBJECT_COMMIT) == 0;
	if (ok) {
		git_oid_cpy(&w->since, git_object_id(commit));
		w->has_since = 1;
	}
	git_object_free(commit);
	git_object_free(obj);
	git_error_clear();
	if (!ok)
		return sanshe_error_set(SANSHE_ENOTFOUND, _("no commit '%s' in this repository"),
					w->opt->since);
	return 0;
}

int sanshe_verify(sanshe_store *store, const sanshe_verify_options *opt,
		  sanshe_verify_summary *summary)
{
	walker w;
	space_list spaces = { NULL, 0, opt->space };
	int err;

	memset(summary, 0, sizeof(*summary));
	memset(&w, 0, sizeof(w));
	/*
	 * Trees no longer go through the object cache (verify_tree.c), and
	 * each commit is read by the walker then once by a worker: a small
	 * cache does, for each of the handles (walker, store, workers).
	 */
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(4 << 20));
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(64 << 20));
	w.store = store;
	w.repo = sanshe_store_repository(store);
	w.opt = opt;
	w.summary = summary;
	if ((err = sanshe_registry_init()) != 0 || (err = resolve_since(&w)) != 0 ||
	    (err = sanshe_store_spaces(store, note_space, &spaces)) != 0)
		goto done;
	if (opt->tip && !opt->space) {
		err = sanshe_error_set(SANSHE_EINVALID, "%s",
				       _("incoming history is verified for one space"));
		goto done;
	}
	if (opt->tip && !spaces.n && (spaces.names = calloc(1, sizeof(char *))) &&
	    (spaces.names[0] = strdup(opt->space)))
		spaces.n = 1; /* a space that does not exist here yet */
	if (opt->space && !spaces.n) {
		err = sanshe_error_set(SANSHE_ENOTFOUND, _("this node has no space '%s'"),
				       opt->space);
		goto done;
	}
	if (spaces.n)
		qsort(spaces.names, spaces.n, sizeof(*spaces.names), by_rank);
	if ((err = sanshe_trust_load(&w.trust, store, NULL)) != 0 ||
	    (err = sanshe_vpool_start(&w.pool, sanshe_store_path(store), w.trust,
					thread_count(opt->threads))) != 0)
		goto done;
	w.pool_started = 1;
	if ((err = sanshe_vtrees_open(&w.trees, sanshe_store_path(store))) != 0)
		goto done;
	if (!opt->tip && (!opt->space || strcmp(opt->space, "trust") == 0)) {
		w.space = "trust";
		if ((err = sanshe_trust_problems(w.trust, roster_problem, &w)) != 0)
			goto done;
	}
	for (size_t i = 0; !err && i < spaces.n; i++) {
		git_oid head;

		w.space = spaces.names[i];
		w.space_no = (unsigned)(i < 254 ? i : 254);
		summary->spaces++;
		if (opt->tip)
			git_oid_cpy(&head, opt->tip);
		else if ((err = sanshe_store_head(store, w.space, &head)) != 0)
			break;
		err = walk_space(&w, &head);
	}
	if (!err && !opt->tip)
		err = check_rules(&w, spaces.names, spaces.n);
	if (!err) {
		sanshe_vpool_drain(&w.pool);
		summary->signatures = w.pool.signatures;
		summary->versions = w.pool.versions;
	}
done:
	if (w.pool_started)
		sanshe_vpool_stop(&w.pool);
	sanshe_vtrees_free(w.trees);
	sanshe_trust_free(w.trust);
	for (size_t i = 0; i < spaces.n; i++)
		free(spaces.names[i]);
	free(spaces.names);
	sanshe_oidset_dispose(&w.seen);
	return err;
}

int sanshe_verify_history(sanshe_store *store, const char *space, const git_oid *tip,
			  const git_oid *known, sanshe_verify_finding_cb cb, void *payload)
{
	sanshe_verify_options opt;
	sanshe_verify_summary summary;

	memset(&opt, 0, sizeof(opt));
	opt.space = space;
	opt.tip = tip;
	opt.known = known;
	opt.finding = cb;
	opt.payload = payload;
	return sanshe_verify(store, &opt, &summary);
}
