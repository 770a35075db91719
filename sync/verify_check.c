/* verify's workers: commit signatures and document versions (verify_int.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doc.h"
#include "json.h"
#include "sshsig.h"
#include "verify_int.h"

void sanshe_verify_utc(char out[32], int64_t seconds)
{
	time_t t = (time_t)seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void sanshe_vfinding_dispose(vfinding *f)
{
	free(f->rule);
	free(f->space);
	free(f->commit);
	free(f->type);
	free(f->id);
	free(f->signer);
	free(f->signer_name);
	free(f->at);
	free(f->message);
}

static char *dup_or_null(const char *s, int *failed)
{
	char *copy;

	if (!s)
		return NULL;
	if (!(copy = strdup(s)))
		*failed = 1;
	return copy;
}

int sanshe_vpool_finding(vpool *pool, uint64_t seq, const char *rule, const char *space,
			 const char *commit, const char *type, const char *id,
			 const char *signer, const char *signer_name, const char *at,
			 const char *message)
{
	vfinding f;
	int failed = 0;

	f.seq = seq;
	f.rule = dup_or_null(rule, &failed);
	f.space = dup_or_null(space, &failed);
	f.commit = dup_or_null(commit, &failed);
	f.type = dup_or_null(type, &failed);
	f.id = dup_or_null(id, &failed);
	f.signer = dup_or_null(signer, &failed);
	f.signer_name = dup_or_null(signer_name, &failed);
	f.at = dup_or_null(at, &failed);
	f.message = dup_or_null(message, &failed);
	pthread_mutex_lock(&pool->lock);
	if (!failed && pool->n_findings == pool->cap_findings) {
		size_t cap = pool->cap_findings ? 2 * pool->cap_findings : 64;
		vfinding *grown = realloc(pool->findings, cap * sizeof(*grown));

		if (grown) {
			pool->findings = grown;
			pool->cap_findings = cap;
		} else {
			failed = 1;
		}
	}
	if (!failed)
		pool->findings[pool->n_findings++] = f;
	else
		pool->failed = 1;
	pthread_mutex_unlock(&pool->lock);
	if (failed) {
		sanshe_vfinding_dispose(&f);
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	}
	return 0;
}

/* A worker cannot go on (a read failed, memory ran out): noted for the walker. */
static void worker_failed(vpool *pool, int code)
{
	pthread_mutex_lock(&pool->lock);
	if (!pool->failed) {
		pool->failed = 1;
		pool->failure_code = code;
		snprintf(pool->failure, sizeof(pool->failure), "%s", sanshe_error_last());
	}
	pthread_mutex_unlock(&pool->lock);
	sanshe_error_clear();
}

static int read_object(git_repository *repo, const git_oid *id, sanshe_buf *out)
{
	git_blob *blob = NULL;
	int err;

	if (git_blob_lookup(&blob, repo, id) != 0)
		return sanshe_error_set(SANSHE_EIO, _("cannot read document version %s: %s"),
					git_oid_tostr_s(id), git_error_last()->message);
	err = sanshe_buf_put(out, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return err;
}

/* ---- a commit ---- */

static void check_commit(vpool *pool, git_repository *repo, vjob *job)
{
	git_buf signature = GIT_BUF_INIT, data = GIT_BUF_INIT;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_trust_signer who;
	char at[32];
	int err;

	sanshe_verify_utc(at, job->time);
	if (git_commit_extract_signature(&signature, &data, repo, &job->object, NULL) != 0) {
		git_error_clear();
		sanshe_vpool_finding(pool, job->seq, SANSHE_VERIFY_COMMIT_UNSIGNED, job->space,
				     job->commit, NULL, NULL, NULL, NULL, at,
				     _("the commit is not signed"));
		goto done;
	}
	err = sanshe_sshsig_verify(signature.ptr, signature.size, "git", data.ptr, data.size, pk);
	__atomic_fetch_add(&pool->signatures, 1, __ATOMIC_RELAXED);
	if (err) {
		sanshe_vpool_finding(pool, job->seq, SANSHE_VERIFY_COMMIT_BADSIG, job->space,
				     job->commit, NULL, NULL, NULL, NULL, at, sanshe_error_last());
		sanshe_error_clear();
		goto done;
	}
	/*
	 * A commit's time is in whole seconds, and it is made after the
	 * documents it writes were signed: it is judged at the end of its
	 * second, so that a role granted earlier in that second counts.
	 */
	err = sanshe_trust_signer_at(pool->trust, pk, (uint64_t)job->time * 1000 + 999, &who);
	if (err) {
		sanshe_vpool_finding(pool, job->seq,
				     err == SANSHE_ENOTFOUND ? SANSHE_VERIFY_SIGNER_UNKNOWN
							     : SANSHE_VERIFY_SIGNER_NOT_VALID,
				     job->space, job->commit, NULL, NULL, who.fingerprint, who.name, at,
				     sanshe_error_last());
		sanshe_error_clear();
		goto done;
	}
	for (size_t i = 0; i < job->n_touched; i++) {
		const vtouch *t = &job->touched[i];
		char message[1024];

		if (sanshe_roles_may_write(who.roles, who.org, t->type, job->space, who.name) == 0)
			continue;
		snprintf(message, sizeof(message), _("the commit changes %zu %s document(s): %s"),
			 t->count, t->type->name, sanshe_error_last());
		sanshe_error_clear();
		sanshe_vpool_finding(pool, job->seq, SANSHE_VERIFY_NOT_ALLOWED, job->space,
				     job->commit, t->type->name, t->id, who.fingerprint, who.name, at,
				     message);
	}
done:
	git_buf_dispose(&signature);
	git_buf_dispose(&data);
}

/* ---- a document version ---- */

static void doc_finding(vpool *pool, const vjob *job, const char *rule, const char *signer,
			const char *name, const char *at, const char *message)
{
	sanshe_vpool_finding(pool, job->seq, rule, job->space, job->commit, job->type->name,
			     job->id, signer, name, at, message);
}

/*
 * Parse, and check that it is the document its path says, in canonical
 * form; `signed_bytes` receives what its signature covers.
 */
static int read_doc(vpool *pool, const vjob *job, const sanshe_buf *text, cJSON **doc,
		    sanshe_buf *signed_bytes)
{
	const char *type, *id;

	if (sanshe_json_parse(doc, text->ptr, text->size, NULL, NULL) != 0) {
		doc_finding(pool, job, SANSHE_VERIFY_DOC_INVALID, NULL, NULL, NULL,
			    sanshe_error_last());
		return -1;
	}
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*doc, "type"));
	id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*doc, "id"));
	if (!type || !id || strcmp(type, job->type->name) != 0 || strcmp(id, job->id) != 0) {
		char message[512];

		snprintf(message, sizeof(message),
			 _("the file %s/…/%s.json holds a document whose type and id are not "
			   "its own"),
			 job->type->name, job->id);
		doc_finding(pool, job, SANSHE_VERIFY_DOC_INVALID, NULL, NULL, NULL, message);
		return -1;
	}
	if (sanshe_doc_check_signed_form(*doc, text->ptr, text->size, signed_bytes) != 0) {
		doc_finding(pool, job, SANSHE_VERIFY_DOC_INVALID, NULL, NULL, NULL,
			    sanshe_error_last());
		return -1;
	}
	return 0;
}

static void check_doc(vpool *pool, git_repository *repo, vjob *job)
{
	sanshe_buf text = SANSHE_BUF_INIT, signed_bytes = SANSHE_BUF_INIT;
	sanshe_trust_signer who;
	sanshe_doc_sig sig;
	char at[SANSHE_HLC_MAX] = "";
	cJSON *doc = NULL;
	int err;

	if ((err = read_object(repo, &job->object, &text)) != 0) {
		worker_failed(pool, err);
		goto done;
	}
	__atomic_fetch_add(&pool->versions, 1, __ATOMIC_RELAXED);
	if (read_doc(pool, job, &text, &doc, &signed_bytes) != 0)
		goto done;
	if (sanshe_doc_validate_as(doc, job->type, NULL) != 0) {
		doc_finding(pool, job, SANSHE_VERIFY_DOC_INVALID, NULL, NULL, NULL,
			    sanshe_error_last());
		sanshe_error_clear();
	}
	if (cJSON_GetObjectItemCaseSensitive(doc, "_merge") ||
	    !cJSON_GetObjectItemCaseSensitive(doc, "_sig")) {
		doc_finding(pool, job, SANSHE_VERIFY_DOC_UNSIGNED, NULL, NULL, NULL,
			    cJSON_GetObjectItemCaseSensitive(doc, "_merge")
				    ? _("a merge version outside a merge commit: no merge computed it")
				    : _("the version is not signed"));
		goto done;
	}
	err = sanshe_doc_verify_bytes(doc, signed_bytes.ptr, signed_bytes.size,
				      sanshe_trust_key_lookup, (void *)pool->trust, &sig);
	__atomic_fetch_add(&pool->signatures, 1, __ATOMIC_RELAXED);
	if (err) {
		doc_finding(pool, job, SANSHE_VERIFY_DOC_BADSIG, NULL, NULL, NULL,
			    sanshe_error_last());
		goto done;
	}
	sanshe_hlc_format(at, sig.at);
	if ((err = sanshe_trust_signer_fp(pool->trust, sig.key, sig.at.ms, &who)) != 0) {
		doc_finding(pool, job,
			    err == SANSHE_ENOTFOUND ? SANSHE_VERIFY_SIGNER_UNKNOWN
						    : SANSHE_VERIFY_SIGNER_NOT_VALID,
			    sig.key, who.name, at, sanshe_error_last());
		goto done;
	}
	if (sanshe_roles_may_write(who.roles, who.org, job->type, job->space, who.name) != 0)
		doc_finding(pool, job, SANSHE_VERIFY_NOT_ALLOWED, sig.key, who.name, at,
			    sanshe_error_last());
done:
	sanshe_error_clear();
	cJSON_Delete(doc);
	sanshe_buf_dispose(&signed_bytes);
	sanshe_buf_dispose(&text);
}

/* A document at a head, for the rules between documents. */
static void add_to_rules(vpool *pool, git_repository *repo, vjob *job)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *doc = NULL;
	int err;

	if ((err = read_object(repo, &job->object, &text)) != 0) {
		worker_failed(pool, err);
		return;
	}
	if (sanshe_json_parse(&doc, text.ptr, text.size, NULL, NULL) == 0) {
		pthread_mutex_lock(&pool->rules_lock);
		err = sanshe_rules_add(pool->rules, job->space, doc);
		pthread_mutex_unlock(&pool->rules_lock);
		if (err)
			worker_failed(pool, err);
	}
	sanshe_error_clear(); /* a document that does not parse: the walk reports it */
	cJSON_Delete(doc);
	sanshe_buf_dispose(&text);
}

/* ---- the pool ---- */

void sanshe_vjob_free(vjob *job)
{
	if (!job)
		return;
	free(job->touched);
	free(job);
}

/* Workers take the queue's jobs a batch at a time, so that the lock is rarely contended. */
#define VPOOL_BATCH 32

static void run_job(vpool *pool, git_repository *repo, vjob *job)
{
	if (!repo)
		return; /* it could not be opened: the walker stops at the next drain */
	if (job->kind == VJOB_COMMIT)
		check_commit(pool, repo, job);
	else if (job->kind == VJOB_DOC)
		check_doc(pool, repo, job);
	else
		add_to_rules(pool, repo, job);
}

static void *work(void *arg)
{
	vpool *pool = arg;
	git_repository *repo = NULL;

	if (git_repository_open_bare(&repo, pool->path) != 0) {
		sanshe_error_set(SANSHE_EIO, _("cannot open repository '%s': %s"), pool->path,
				 git_error_last()->message);
		worker_failed(pool, SANSHE_EIO);
	}
	for (;;) {
		vjob *batch, *job, *next;
		size_t n = 0;

		pthread_mutex_lock(&pool->lock);
		while (!pool->head && !pool->stop)
			pthread_cond_wait(&pool->more, &pool->lock);
		if (!pool->head) {
			pthread_mutex_unlock(&pool->lock);
			git_repository_free(repo);
			return NULL;
		}
		batch = job = pool->head;
		for (n = 1; n < VPOOL_BATCH && job->next; n++)
			job = job->next;
		pool->head = job->next;
		job->next = NULL;
		if (!pool->head)
			pool->tail = NULL;
		pool->queued -= n;
		pool->busy++;
		pthread_cond_signal(&pool->room);
		pthread_mutex_unlock(&pool->lock);

		for (job = batch; job; job = next) {
			next = job->next;
			run_job(pool, repo, job);
			sanshe_vjob_free(job);
		}

		pthread_mutex_lock(&pool->lock);
		pool->busy--;
		if (!pool->head && !pool->busy)
			pthread_cond_broadcast(&pool->idle);
		pthread_mutex_unlock(&pool->lock);
	}
}

int sanshe_vpool_start(vpool *pool, const char *path, const sanshe_trust *trust,
		       unsigned threads)
{
	memset(pool, 0, sizeof(*pool));
	pool->trust = trust;
	pool->path = path;
	pool->limit = 1024;
	if (threads < 1)
		threads = 1;
	if (!(pool->threads = calloc(threads, sizeof(pthread_t))))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	pthread_mutex_init(&pool->lock, NULL);
	pthread_mutex_init(&pool->rules_lock, NULL);
	pthread_cond_init(&pool->more, NULL);
	pthread_cond_init(&pool->room, NULL);
	pthread_cond_init(&pool->idle, NULL);
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&pool->threads[i], NULL, work, pool) != 0) {
			if (i == 0) {
				free(pool->threads);
				return sanshe_error_set(SANSHE_ERROR, "%s",
							_("cannot start a thread"));
			}
			break;
		}
		pool->n_threads++;
	}
	return 0;
}

void sanshe_vpool_push(vpool *pool, vjob *job)
{
	job->next = NULL;
	pthread_mutex_lock(&pool->lock);
	while (pool->queued >= pool->limit)
		pthread_cond_wait(&pool->room, &pool->lock);
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	if (++pool->queued % VPOOL_BATCH == 1)
		pthread_cond_signal(&pool->more);
	pthread_mutex_unlock(&pool->lock);
}

void sanshe_vpool_drain(vpool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pthread_cond_broadcast(&pool->more);
	while (pool->head || pool->busy)
		pthread_cond_wait(&pool->idle, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

void sanshe_vpool_stop(vpool *pool)
{
	if (!pool->threads)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stop = 1;
	pthread_cond_broadcast(&pool->more);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->n_threads; i++)
		pthread_join(pool->threads[i], NULL);
	free(pool->threads);
	pool->threads = NULL;
	for (size_t i = 0; i < pool->n_findings; i++)
		sanshe_vfinding_dispose(&pool->findings[i]);
	free(pool->findings);
	pthread_mutex_destroy(&pool->lock);
	pthread_mutex_destroy(&pool->rules_lock);
	pthread_cond_destroy(&pool->more);
	pthread_cond_destroy(&pool->room);
	pthread_cond_destroy(&pool->idle);
}
