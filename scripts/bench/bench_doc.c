/*
 * Signed-document throughput on a typical case file (about 2 KB), next to
 * libsodium's raw Ed25519 rates on the same bytes, measured in the same run.
 * Each figure is the median of several timed rounds; the machines are
 * shared and noisy, so the ratios matter more than the rates.
 *
 *   bench_doc [CASE.json]            the table (docs/bench.md)
 *   bench_doc --raw-verify BYTES     only libsodium's verify rate on messages
 *                                    of BYTES, on 1 and on 2 threads, as one
 *                                    line "bytes=… raw_verify_1=… raw_verify_2=…"
 */
#include "common.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canon.h"
#include "doc.h"
#include "fs.h"
#include "json.h"
#include "key.h"

#define ROUNDS 7
#define ROUND_SECONDS 0.25

typedef struct fixture {
	sanshe_key *key;
	char *unsigned_text;  /* the record as a person would write it */
	sanshe_buf signed_text; /* the signed canonical document */
	unsigned char raw_pk[crypto_sign_PUBLICKEYBYTES]; /* for the raw rates */
	unsigned char raw_sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
} fixture;

typedef void (*operation)(fixture *f);

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Operations per second: the median of ROUNDS timed rounds. */
static double rate(operation op, fixture *f)
{
	double rates[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		long n = 0;
		double start = now(), elapsed;

		do {
			for (int i = 0; i < 64; i++)
				op(f);
			n += 64;
		} while ((elapsed = now() - start) < ROUND_SECONDS);
		rates[r] = n / elapsed;
	}
	qsort(rates, ROUNDS, sizeof(rates[0]), compare_doubles);
	return rates[ROUNDS / 2];
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, sanshe_error_last());
	exit(1);
}

static int lookup(unsigned char pk[32], const char *fingerprint, void *payload)
{
	fixture *f = payload;

	if (strcmp(fingerprint, sanshe_key_fingerprint(f->key)) != 0)
		return sanshe_error_set(SANSHE_ENOTFOUND, "unknown key");
	memcpy(pk, sanshe_key_public(f->key), 32);
	return 0;
}

static const sanshe_hlc bench_time = { 1795000000000ULL, 1 };

/* Text → tree → prepared, signed, canonical bytes. */
static void canon_sign(fixture *f)
{
	sanshe_buf out = SANSHE_BUF_INIT;
	const sanshe_type *type;
	cJSON *doc = NULL;

	if (sanshe_json_parse(&doc, f->unsigned_text, strlen(f->unsigned_text), NULL, NULL) ||
	    sanshe_doc_prepare(doc, &type) || sanshe_doc_sign(doc, f->key, &bench_time) ||
	    sanshe_canon_write(&out, doc))
		die("canonicalize+sign");
	cJSON_Delete(doc);
	sanshe_buf_dispose(&out);
}

/* Signed text → tree → signature checked. */
static void parse_verify(fixture *f)
{
	cJSON *doc = NULL;

	if (sanshe_json_parse(&doc, f->signed_text.ptr, f->signed_text.size, NULL, NULL) ||
	    sanshe_doc_verify(doc, lookup, f, NULL))
		die("parse+verify");
	cJSON_Delete(doc);
}

/* Signed text → tree → signature and schema checked (what `check` does). */
static void parse_verify_validate(fixture *f)
{
	cJSON *doc = NULL;

	if (sanshe_json_parse(&doc, f->signed_text.ptr, f->signed_text.size, NULL, NULL) ||
	    sanshe_doc_verify(doc, lookup, f, NULL) || sanshe_doc_validate(doc, NULL, NULL))
		die("parse+verify+validate");
	cJSON_Delete(doc);
}

static void raw_sign(fixture *f)
{
	crypto_sign_detached(f->sig, NULL, (const unsigned char *)f->signed_text.ptr,
			     f->signed_text.size, f->raw_sk);
}

static void raw_verify(fixture *f)
{
	if (crypto_sign_verify_detached(f->sig, (const unsigned char *)f->signed_text.ptr,
					f->signed_text.size, f->raw_pk) != 0)
		die("raw verify");
}

/* ---- raw verify on several threads ---- */

/* One thread's share of a round: verifies until `stop`, counted in `n`. */
typedef struct verifier {
	const unsigned char *msg, *pk, *sig;
	size_t len;
	double stop;
	long n;
} verifier;

static void *verify_until(void *arg)
{
	verifier *v = arg;

	do {
		for (int i = 0; i < 64; i++)
			if (crypto_sign_verify_detached(v->sig, v->msg, v->len, v->pk) != 0)
				abort();
		v->n += 64;
	} while (now() < v->stop);
	return NULL;
}

/*
 * Signatures verified per second by `threads` threads at once (each its
 * own message of `len` bytes, key and signature): the median of ROUNDS
 * rounds of ROUND_SECONDS.
 */
static double raw_verify_rate(unsigned threads, size_t len)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned char sig[crypto_sign_BYTES];
	unsigned char *msg = malloc(len ? len : 1);
	double rates[ROUNDS];
	pthread_t tid[8];
	verifier v[8];

	if (!msg || threads > 8)
		abort();
	randombytes_buf(msg, len);
	crypto_sign_keypair(pk, sk);
	crypto_sign_detached(sig, NULL, msg, len, sk);
	for (int r = 0; r < ROUNDS; r++) {
		double start = now();
		long n = 0;

		for (unsigned t = 0; t < threads; t++) {
			v[t] = (verifier){ msg, pk, sig, len, start + ROUND_SECONDS, 0 };
			if (pthread_create(&tid[t], NULL, verify_until, &v[t]) != 0)
				abort();
		}
		for (unsigned t = 0; t < threads; t++) {
			pthread_join(tid[t], NULL);
			n += v[t].n;
		}
		rates[r] = n / (now() - start);
	}
	sodium_memzero(sk, sizeof(sk));
	free(msg);
	qsort(rates, ROUNDS, sizeof(rates[0]), compare_doubles);
	return rates[ROUNDS / 2];
}

/* bench_doc --raw-verify BYTES: one line for scripts (bench-verify.sh). */
static int raw_verify_only(const char *bytes)
{
	size_t len = strtoul(bytes, NULL, 10);
	double one = raw_verify_rate(1, len), two = raw_verify_rate(2, len);

	printf("bytes=%zu raw_verify_1=%.0f raw_verify_2=%.0f\n", len, one, two);
	return 0;
}

/* The example case file (about 2.3 KB once signed), as text and signed. */
static void make_fixture(fixture *f, const char *example)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	const sanshe_type *type;
	cJSON *doc = NULL;

	if (sanshe_fs_read(&text, example, SANSHE_JSON_FILE_MAX) ||
	    sanshe_json_parse(&doc, text.ptr, text.size, example, NULL))
		die("reading the example case");
	f->unsigned_text = sanshe_buf_detach(&text);
	if (sanshe_doc_prepare(doc, &type) || sanshe_doc_sign(doc, f->key, &bench_time) ||
	    sanshe_canon_write(&f->signed_text, doc))
		die("signing the example case");
	crypto_sign_keypair(f->raw_pk, f->raw_sk);
	raw_sign(f);
	cJSON_Delete(doc);
}

static void report(const char *what, double docs, double raw, const char *raw_name)
{
	printf("  %-36s %9.0f docs/s", what, docs);
	if (raw > 0)
		printf("   %5.1f%% of %s", 100 * docs / raw, raw_name);
	putchar('\n');
}

int main(int argc, char **argv)
{
	fixture f = { NULL, NULL, SANSHE_BUF_INIT, { 0 }, { 0 }, { 0 } };
	double sign, verify;

	if (sodium_init() < 0)
		die("starting libsodium");
	if (argc > 2 && strcmp(argv[1], "--raw-verify") == 0)
		return raw_verify_only(argv[2]);
	if (sanshe_key_generate(&f.key, "bench"))
		die("making a key");
	make_fixture(&f, argc > 1 ? argv[1] : "schemas/examples/case.json");
	printf("signed case document of %zu bytes; median of %d rounds of %.2f s\n",
	       f.signed_text.size, ROUNDS, ROUND_SECONDS);
	sign = rate(raw_sign, &f);
	verify = rate(raw_verify, &f);
	report("libsodium Ed25519 sign (raw)", sign, 0, NULL);
	report("canonicalize+sign (text in)", rate(canon_sign, &f), sign, "raw sign");
	report("libsodium Ed25519 verify (raw)", verify, 0, NULL);
	report("  the same on 2 threads at once", raw_verify_rate(2, f.signed_text.size), verify,
	       "raw verify");
	report("parse+verify", rate(parse_verify, &f), verify, "raw verify");
	report("parse+verify+schema (sanshe check)", rate(parse_verify_validate, &f), verify,
	       "raw verify");
	sanshe_key_free(f.key);
	free(f.unsigned_text);
	sanshe_buf_dispose(&f.signed_text);
	sodium_memzero(f.raw_sk, sizeof(f.raw_sk));
	return 0;
}
