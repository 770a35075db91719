/*
 * SSH signatures against the tools that read them: byte for byte what
 * `ssh-keygen -Y sign` makes, accepted by `ssh-keygen -Y verify` and by
 * `git verify-commit`, refused by both where they must be.  Each test runs
 * the real ssh-keygen and git in a scratch directory.
 */
#include "common.h"

#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "key_int.h"
#include "scratch.h"
#include "sshsig.h"

static const char msg[] = "case c-17: home visit, 2026-11-22, by Wang Fang\n";

/* ---- running ssh-keygen and git ---- */

/*
 * Run the shell command made from `fmt` in `dir`, its output in dir/out
 * and dir/err; its exit status.
 */
static int run(const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int run(const char *dir, const char *fmt, ...)
{
	sanshe_buf cmd = SANSHE_BUF_INIT;
	va_list ap;
	char *line;
	int status;

	assert_null(strchr(dir, '\''));
	va_start(ap, fmt);
	assert_true(vasprintf(&line, fmt, ap) >= 0);
	va_end(ap);
	assert_int_equal(sanshe_buf_printf(&cmd, "cd '%s' && { %s; } >out 2>err",
					   dir, line), 0);
	status = system(cmd.ptr);
	free(line);
	sanshe_buf_dispose(&cmd);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Fail with the command's stderr unless it succeeded. */
#define run_ok(dir, ...)                                                      \
	do {                                                                  \
		if (run(dir, __VA_ARGS__) != 0) {                             \
			char *err_ = scratch_read(scratch_path(dir, "err"), NULL); \
			fail_msg("%s", err_);                                 \
		}                                                             \
	} while (0)

/* ---- reading a key written by ssh-keygen ---- */

static uint32_t take_u32(const unsigned char **p, const unsigned char *end)
{
	uint32_t v;

	assert_true(end - *p >= 4);
	v = (uint32_t)(*p)[0] << 24 | (uint32_t)(*p)[1] << 16 |
	    (uint32_t)(*p)[2] << 8 | (uint32_t)(*p)[3];
	*p += 4;
	return v;
}

static const unsigned char *take_string(const unsigned char **p,
					const unsigned char *end, size_t *len)
{
	const unsigned char *s;

	*len = take_u32(p, end);
	assert_true((size_t)(end - *p) >= *len);
	s = *p;
	*p += *len;
	return s;
}

/*
 * The seed and public key of the unencrypted ed25519 key file `path` in the
 * OpenSSH format (PROTOCOL.key): "openssh-key-v1\0", cipher "none", kdf
 * "none", kdf options, 1 key, its public blob, then a private section of
 * two equal check words, "ssh-ed25519", pk[32], seed[32] || pk[32], comment.
 */
static void read_openssh_seed(const char *path, unsigned char seed[32],
			      unsigned char pk[32])
{
	static const char begin[] = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
	unsigned char bin[1024];
	const unsigned char *p = bin, *end, *s;
	char *text = scratch_read(path, NULL), *b64, *stop;
	size_t len;

	assert_memory_equal(text, begin, strlen(begin));
	b64 = text + strlen(begin);
	assert_non_null(stop = strstr(b64, "-----END OPENSSH PRIVATE KEY-----"));
	assert_int_equal(sodium_base642bin(bin, sizeof(bin), b64,
					   (size_t)(stop - b64), "\n", &len,
					   NULL, sodium_base64_VARIANT_ORIGINAL),
			 0);
	end = bin + len;
	assert_memory_equal(p, "openssh-key-v1", 15);
	p += 15;
	s = take_string(&p, end, &len);
	assert_true(len == 4 && memcmp(s, "none", 4) == 0);
	take_string(&p, end, &len);
	take_string(&p, end, &len);
	assert_int_equal(take_u32(&p, end), 1);
	take_string(&p, end, &len);
	s = take_string(&p, end, &len);
	p = s;
	end = s + len;
	assert_int_equal(take_u32(&p, end), take_u32(&p, end));
	s = take_string(&p, end, &len);
	assert_true(len == 11 && memcmp(s, "ssh-ed25519", 11) == 0);
	s = take_string(&p, end, &len);
	assert_int_equal(len, 32);
	memcpy(pk, s, 32);
	s = take_string(&p, end, &len);
	assert_int_equal(len, 64);
	assert_memory_equal(s + 32, pk, 32);
	memcpy(seed, s, 32);
	sodium_memzero(bin, sizeof(bin));
	free(text);
}

/* A scratch directory with a key `k` made by ssh-keygen, and that key. */
typedef struct fixture {
	char *dir;
	sanshe_key *key;
} fixture;

static int ssh_keygen_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));
	unsigned char seed[32], pk[32];

	assert_non_null(f);
	f->dir = scratch_dir_make();
	run_ok(f->dir, "ssh-keygen -q -t ed25519 -N '' -C vector -f k");
	read_openssh_seed(scratch_path(f->dir, "k"), seed, pk);
	assert_int_equal(sanshe_key__new(&f->key, "from-ssh-keygen", pk), 0);
	assert_int_equal(sanshe_key__unlock_with_seed(f->key, seed), 0);
	sodium_memzero(seed, sizeof(seed));
	*state = f;
	return 0;
}

/* A scratch directory with a key made by sanshe. */
static int sanshe_key_setup(void **state)
{
	fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = scratch_dir_make();
	assert_int_equal(sanshe_key_generate(&f->key, "wang-fang"), 0);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	fixture *f = *state;

	sanshe_key_free(f->key);
	scratch_dir_remove(f->dir);
	free(f);
	return 0;
}

static void write_text(const char *dir, const char *name, const char *text)
{
	scratch_write(scratch_path(dir, name), text, strlen(text));
}

/* Sign `len` bytes of `data` with `key` in `ns`; the caller frees the armor. */
static char *sign(const sanshe_key *key, const char *ns, const void *data,
		  size_t len)
{
	sanshe_buf armor = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_sshsig_sign(&armor, key, ns, data, len), 0);
	return sanshe_buf_detach(&armor);
}

/* Write an allowed-signers file `name` in `dir` for `key` as `principal`. */
static void write_allowed(const char *dir, const char *name,
			  const sanshe_key *key, const char *principal,
			  const char *after, const char *before)
{
	sanshe_buf line = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_sshsig_allowed_signer(&line, principal,
						      sanshe_key_public(key),
						      after, before),
			 0);
	write_text(dir, name, line.ptr);
	sanshe_buf_dispose(&line);
}

/* ---- agreeing with ssh-keygen ---- */

static void test_sshsig_is_byte_identical_to_ssh_keygen(void **state)
{
	fixture *f = *state;
	unsigned char big[100000];
	const struct {
		const void *data;
		size_t len;
	} msgs[] = { { "", 0 }, { msg, strlen(msg) }, { big, sizeof(big) } };

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + i / 251);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(msgs); i++) {
		char *ours = sign(f->key, "git", msgs[i].data, msgs[i].len);
		char *theirs;
		size_t len;

		scratch_write(scratch_path(f->dir, "msg"), msgs[i].data,
			      msgs[i].len);
		run_ok(f->dir, "rm -f msg.sig && ssh-keygen -Y sign -f k -n git msg");
		theirs = scratch_read(scratch_path(f->dir, "msg.sig"), &len);
		assert_int_equal(len, strlen(ours) + 1);
		assert_memory_equal(theirs, ours, strlen(ours));
		assert_int_equal(theirs[len - 1], '\n');
		free(ours);
		free(theirs);
	}
}

static void test_sshsig_verify_accepts_ssh_keygen_signatures(void **state)
{
	static const char *const hashes[] = { "sha512", "sha256" };
	fixture *f = *state;
	unsigned char pk[32];

	write_text(f->dir, "msg", msg);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(hashes); i++) {
		char *sig;
		size_t len;

		run_ok(f->dir, "rm -f msg.sig && ssh-keygen -Y sign -f k -n git "
			       "-O hashalg=%s msg", hashes[i]);
		sig = scratch_read(scratch_path(f->dir, "msg.sig"), &len);
		assert_int_equal(sanshe_sshsig_verify(sig, len, "git", msg,
						      strlen(msg), pk), 0);
		assert_memory_equal(pk, sanshe_key_public(f->key), 32);
		free(sig);
	}
}

static void test_sshsig_ssh_keygen_accepts_our_signature(void **state)
{
	fixture *f = *state;
	char *sig = sign(f->key, "git", msg, strlen(msg));

	write_text(f->dir, "msg", msg);
	write_text(f->dir, "msg.sig", sig);
	write_allowed(f->dir, "allowed", f->key, "wang.fang@shequ.example",
		      NULL, NULL);
	run_ok(f->dir, "ssh-keygen -Y verify -f allowed -I wang.fang@shequ.example "
		       "-n git -s msg.sig < msg");
	write_allowed(f->dir, "allowed", f->key, "王芳@三社", "20200101Z",
		      "20991231235959Z");
	run_ok(f->dir, "ssh-keygen -Y verify -f allowed -I '王芳@三社' "
		       "-n git -s msg.sig < msg");
	free(sig);
}

static void test_sshsig_changed_message_is_refused_by_both(void **state)
{
	fixture *f = *state;
	char *sig = sign(f->key, "git", msg, strlen(msg));
	char changed[sizeof(msg)];
	unsigned char pk[32];

	memcpy(changed, msg, sizeof(msg));
	changed[5] = '8'; /* case c-18 */
	write_text(f->dir, "msg", changed);
	write_text(f->dir, "msg.sig", sig);
	write_allowed(f->dir, "allowed", f->key, "wang.fang", NULL, NULL);
	assert_int_not_equal(run(f->dir, "ssh-keygen -Y verify -f allowed "
					 "-I wang.fang -n git -s msg.sig < msg"),
			     0);
	assert_int_equal(sanshe_sshsig_verify(sig, strlen(sig), "git", changed,
					      strlen(changed), pk),
			 SANSHE_EBADSIG);
	assert_string_equal(sanshe_error_last(),
			    "signature does not match the signed data");
	free(sig);
}

static void test_sshsig_wrong_namespace_is_refused_by_both(void **state)
{
	fixture *f = *state;
	char *sig = sign(f->key, "file", msg, strlen(msg));
	unsigned char pk[32];

	write_text(f->dir, "msg", msg);
	write_text(f->dir, "msg.sig", sig);
	write_allowed(f->dir, "allowed", f->key, "wang.fang", NULL, NULL);
	assert_int_not_equal(run(f->dir, "ssh-keygen -Y verify -f allowed "
					 "-I wang.fang -n git -s msg.sig < msg"),
			     0);
	assert_int_equal(sanshe_sshsig_verify(sig, strlen(sig), "git", msg,
					      strlen(msg), pk),
			 SANSHE_EBADSIG);
	assert_string_equal(sanshe_error_last(),
			    "signature namespace is 'file', expected 'git'");
	free(sig);
}

static void test_sshsig_crlf_armor_is_refused_by_both(void **state)
{
	fixture *f = *state;
	char *sig = sign(f->key, "git", msg, strlen(msg));
	sanshe_buf crlf = SANSHE_BUF_INIT;
	unsigned char pk[32];

	for (const char *c = sig; *c; c++)
		assert_int_equal(*c == '\n' ? sanshe_buf_puts(&crlf, "\r\n") :
					      sanshe_buf_putc(&crlf, *c),
				 0);
	write_text(f->dir, "msg", msg);
	write_text(f->dir, "msg.sig", crlf.ptr);
	write_allowed(f->dir, "allowed", f->key, "wang.fang", NULL, NULL);
	assert_int_not_equal(run(f->dir, "ssh-keygen -Y verify -f allowed "
					 "-I wang.fang -n git -s msg.sig < msg"),
			     0);
	assert_int_equal(sanshe_sshsig_verify(crlf.ptr, crlf.size, "git", msg,
					      strlen(msg), pk),
			 SANSHE_EBADSIG);
	assert_string_equal(sanshe_error_last(),
			    "not an SSH signature: it holds a carriage return "
			    "(lines end in LF only)");
	sanshe_buf_dispose(&crlf);
	free(sig);
}

/* ---- git ---- */

/* `commit` with a gpgsig header holding `armor`, laid out as git does. */
static char *with_gpgsig(const char *commit, const char *armor)
{
	const char *body = strstr(commit, "\n\n");
	sanshe_buf out = SANSHE_BUF_INIT;

	assert_non_null(body);
	assert_int_equal(sanshe_buf_put(&out, commit, (size_t)(body - commit) + 1), 0);
	assert_int_equal(sanshe_buf_puts(&out, "gpgsig "), 0);
	for (const char *c = armor; *c; c++) {
		assert_int_equal(sanshe_buf_putc(&out, *c), 0);
		if (*c == '\n')
			assert_int_equal(sanshe_buf_putc(&out, ' '), 0);
	}
	assert_int_equal(sanshe_buf_puts(&out, body), 0);
	return sanshe_buf_detach(&out);
}

/*
 * Make a commit with git in dir/r (committed 2021-06-01 10:00 UTC), sign
 * its bytes with `key`, store the signed commit; its id in `oid`.
 */
static void make_signed_commit(const fixture *f, char oid[41])
{
	char *commit, *armor, *signed_commit, *id;

	run_ok(f->dir, "git init -q r && git -C r commit -q --allow-empty "
		       "-m 'case c-17: home visit' && "
		       "git -C r cat-file commit HEAD >commit");
	commit = scratch_read(scratch_path(f->dir, "commit"), NULL);
	armor = sign(f->key, "git", commit, strlen(commit));
	signed_commit = with_gpgsig(commit, armor);
	write_text(f->dir, "signed", signed_commit);
	run_ok(f->dir, "git -C r hash-object -t commit -w --stdin <signed >oid");
	id = scratch_read(scratch_path(f->dir, "oid"), NULL);
	assert_int_equal(strlen(id), 41);
	memcpy(oid, id, 40);
	oid[40] = '\0';
	free(id);
	free(signed_commit);
	free(armor);
	free(commit);
}

#define VERIFY_COMMIT                                                         \
	"git -C r -c gpg.format=ssh -c gpg.ssh.allowedSignersFile=../allowed " \
	"verify-commit %s"

static void test_sshsig_git_verify_commit_accepts_our_commit(void **state)
{
	fixture *f = *state;
	char oid[41], *out;

	make_signed_commit(f, oid);
	/* the window holds the committer date, not today */
	write_allowed(f->dir, "allowed", f->key, "wang.fang@shequ.example",
		      "20210101Z", "20211231235959Z");
	run_ok(f->dir, VERIFY_COMMIT, oid);
	run_ok(f->dir, "git -C r -c gpg.format=ssh "
		       "-c gpg.ssh.allowedSignersFile=../allowed "
		       "log -1 --format=%%G?%%GS %s", oid);
	out = scratch_read(scratch_path(f->dir, "out"), NULL);
	assert_string_equal(out, "Gwang.fang@shequ.example\n");
	free(out);
	run_ok(f->dir, "git -C r update-ref HEAD %s && git -C r fsck --strict",
	       oid);
}

static void test_sshsig_git_refuses_commit_outside_valid_window(void **state)
{
	fixture *f = *state;
	char oid[41];

	make_signed_commit(f, oid);
	write_allowed(f->dir, "allowed", f->key, "wang.fang", NULL,
		      "20210601095959Z");
	assert_int_not_equal(run(f->dir, VERIFY_COMMIT, oid), 0);
	write_allowed(f->dir, "allowed", f->key, "wang.fang",
		      "20210601100001Z", NULL);
	assert_int_not_equal(run(f->dir, VERIFY_COMMIT, oid), 0);
	write_allowed(f->dir, "allowed", f->key, "wang.fang",
		      "20210601100000Z", "20210601100001Z");
	run_ok(f->dir, VERIFY_COMMIT, oid);
}

static void test_sshsig_signed_commit_is_identical_to_gits(void **state)
{
	fixture *f = *state;
	char *theirs, *unsigned_commit, *armor, *ours, *sig, *end;

	run_ok(f->dir, "git init -q r && git -C r -c gpg.format=ssh "
		       "-c user.signingkey=../k commit -q -S --allow-empty "
		       "-m 'case c-17: home visit' && "
		       "git -C r cat-file commit HEAD >commit");
	theirs = scratch_read(scratch_path(f->dir, "commit"), NULL);
	/* drop the gpgsig header: its first line and the continuations */
	unsigned_commit = strdup(theirs);
	assert_non_null(sig = strstr(unsigned_commit, "\ngpgsig "));
	for (end = sig + 1; (end = strchr(end, '\n')) && end[1] == ' '; end++)
		;
	assert_non_null(end);
	memmove(sig, end, strlen(end) + 1);
	armor = sign(f->key, "git", unsigned_commit, strlen(unsigned_commit));
	ours = with_gpgsig(unsigned_commit, armor);
	assert_string_equal(ours, theirs);
	free(ours);
	free(armor);
	free(unsigned_commit);
	free(theirs);
}

#define SSH_KEYGEN_TEST(f)                                                    \
	cmocka_unit_test_setup_teardown(f, ssh_keygen_setup, fixture_teardown)
#define GIT_TEST(f)                                                           \
	cmocka_unit_test_setup_teardown(f, sanshe_key_setup, fixture_teardown)
/* git and ssh-keygen see no configuration but their own, and fixed names. */
static void isolate_git(void)
{
	static const char *const unset[] = { "GIT_DIR", "GIT_WORK_TREE",
					     "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
					     "GIT_CEILING_DIRECTORIES" };

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(unset); i++)
		unsetenv(unset[i]);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_CONFIG_GLOBAL", "/dev/null", 1);
	setenv("GIT_AUTHOR_NAME", "Wang Fang", 1);
	setenv("GIT_AUTHOR_EMAIL", "wang.fang@shequ.example", 1);
	setenv("GIT_COMMITTER_NAME", "Wang Fang", 1);
	setenv("GIT_COMMITTER_EMAIL", "wang.fang@shequ.example", 1);
	setenv("GIT_AUTHOR_DATE", "2021-06-01T10:00:00Z", 1);
	setenv("GIT_COMMITTER_DATE", "2021-06-01T10:00:00Z", 1);
}
int main(void)
{
	const struct CMUnitTest tests[] = {
		SSH_KEYGEN_TEST(test_sshsig_is_byte_identical_to_ssh_keygen),
		SSH_KEYGEN_TEST(test_sshsig_verify_accepts_ssh_keygen_signatures),
		SSH_KEYGEN_TEST(test_sshsig_ssh_keygen_accepts_our_signature),
		SSH_KEYGEN_TEST(test_sshsig_changed_message_is_refused_by_both),
		SSH_KEYGEN_TEST(test_sshsig_wrong_namespace_is_refused_by_both),
		SSH_KEYGEN_TEST(test_sshsig_crlf_armor_is_refused_by_both),
		SSH_KEYGEN_TEST(test_sshsig_signed_commit_is_identical_to_gits),
		GIT_TEST(test_sshsig_git_verify_commit_accepts_our_commit),
		GIT_TEST(test_sshsig_git_refuses_commit_outside_valid_window),
	};

	isolate_git();
	return cmocka_run_group_tests_name("sshsig_interop", tests, NULL, NULL);
}
