/* Keys: generation, signatures, SSH forms, and key files in a home. */
#include "common.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "key.h"
#include "scratch.h"

#define PASS "correct horse battery staple"

/* A key made by ssh-keygen 9.2, with what `ssh-keygen -lf` printed. */
static const char vector_line[] =
	"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIONKZWrxaMPY6VCW49I9OlEtOuIv7fRqFSnB"
	"+DLULFXO vector";
static const char vector_fingerprint[] =
	"SHA256:lmiB0a2p4YjPKDxde7CG1f0U+/IMittxR40BdwexXaA";
static const unsigned char vector_pk[32] = {
	0xe3, 0x4a, 0x65, 0x6a, 0xf1, 0x68, 0xc3, 0xd8, 0xe9, 0x50, 0x96,
	0xe3, 0xd2, 0x3d, 0x3a, 0x51, 0x2d, 0x3a, 0xe2, 0x2f, 0xed, 0xf4,
	0x6a, 0x15, 0x29, 0xc1, 0xf8, 0x32, 0xd4, 0x2c, 0x55, 0xce,
};

static sanshe_kdf_limits fast;

static int home_setup(void **state)
{
	*state = scratch_dir_make();
	return 0;
}

static int home_teardown(void **state)
{
	scratch_dir_remove(*state);
	return 0;
}

/* Make and save a key called `name` in `home`. */
static void make_key(const char *home, const char *name)
{
	sanshe_key *key;

	assert_int_equal(sanshe_key_generate(&key, name), 0);
	assert_int_equal(sanshe_key_save(key, home, PASS, &fast), 0);
	sanshe_key_free(key);
}

/* Replace member `field` of home/keys/NAME.key with `value` (taken). */
static void doctor(const char *home, const char *name, const char *field,
		   cJSON *value)
{
	char rel[128], *text, *out;
	cJSON *root;

	snprintf(rel, sizeof(rel), "keys/%s.key", name);
	text = scratch_read(scratch_path(home, rel), NULL);
	root = cJSON_Parse(text);
	assert_non_null(root);
	if (value)
		cJSON_ReplaceItemInObjectCaseSensitive(root, field, value);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(root, field);
	out = cJSON_Print(root);
	scratch_write(scratch_path(home, rel), out, strlen(out));
	free(out);
	free(text);
	cJSON_Delete(root);
}

static void expect_damaged(const char *home, const char *name)
{
	sanshe_key *key = NULL;
	char rel[128];

	snprintf(rel, sizeof(rel), "keys/%s.key", name);
	assert_int_equal(sanshe_key_unlock(&key, home, name, PASS), SANSHE_EPARSE);
	assert_null(key);
	assert_non_null(strstr(sanshe_error_last(), scratch_path(home, rel)));
	assert_non_null(strstr(sanshe_error_last(), "is damaged"));
}

static void test_key_signature_verifies_with_its_public_key(void **state)
{
	static const char msg[] = "case c-17: home visit";
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES];
	sanshe_key *key;

	(void)state;
	assert_int_equal(sanshe_key_generate(&key, "alice"), 0);
	assert_true(sanshe_key_is_unlocked(key));
	assert_int_equal(sanshe_key_sign(key, sig, msg, sizeof(msg)), 0);
	assert_int_equal(sanshe_key_verify(sanshe_key_public(key), sig, msg,
					   sizeof(msg)), 0);
	sanshe_key_free(key);
}

static void test_key_verify_rejects_changed_message_or_signature(void **state)
{
	char msg[] = "ledger entry: 60% tranche";
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES];
	sanshe_key *key;

	(void)state;
	assert_int_equal(sanshe_key_generate(&key, "alice"), 0);
	assert_int_equal(sanshe_key_sign(key, sig, msg, sizeof(msg)), 0);
	msg[15] = '4';
	assert_int_equal(sanshe_key_verify(sanshe_key_public(key), sig, msg,
					   sizeof(msg)), SANSHE_EBADSIG);
	msg[15] = '6';
	sig[3] ^= 1;
	assert_int_equal(sanshe_key_verify(sanshe_key_public(key), sig, msg,
					   sizeof(msg)), SANSHE_EBADSIG);
	sanshe_key_free(key);
}

static void test_key_names_are_checked(void **state)
{
	static const char *const good[] = { "alice", "a", "A.b_c-1", "9lives",
					    "wang.li-2026" };
	static const char *const bad[] = { "", "a/b", "../x", ".hidden", "-x",
					   "_x", "a b", "caf\xc3\xa9", "a\n",
					   "x/../../etc" };
	char longest[SANSHE_KEY_NAME_MAX + 2];
	sanshe_key *key = NULL;

	(void)state;
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(good); i++)
		assert_int_equal(sanshe_key_name_check(good[i]), 0);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(bad); i++)
		assert_int_equal(sanshe_key_name_check(bad[i]), SANSHE_EINVALID);
	memset(longest, 'k', sizeof(longest));
	longest[SANSHE_KEY_NAME_MAX] = '\0';
	assert_int_equal(sanshe_key_name_check(longest), 0);
	longest[SANSHE_KEY_NAME_MAX] = 'k';
	longest[SANSHE_KEY_NAME_MAX + 1] = '\0';
	assert_int_equal(sanshe_key_name_check(longest), SANSHE_EINVALID);
	assert_int_equal(sanshe_key_generate(&key, "a/b"), SANSHE_EINVALID);
	assert_null(key);
	assert_non_null(strstr(sanshe_error_last(), "'a/b' is not a valid key name"));
}

static void test_key_fingerprint_matches_ssh_keygen(void **state)
{
	char fp[SANSHE_KEY_FINGERPRINT_MAX];

	(void)state;
	assert_int_equal(sanshe_key_fingerprint_of(fp, vector_pk), 0);
	assert_string_equal(fp, vector_fingerprint);
}

static void test_key_openssh_line_matches_ssh_keygen(void **state)
{
	sanshe_buf line = SANSHE_BUF_INIT;

	(void)state;
	assert_int_equal(sanshe_key_openssh_of(&line, vector_pk, "vector"), 0);
	assert_string_equal(line.ptr, vector_line);
	sanshe_buf_clear(&line);
	assert_int_equal(sanshe_key_openssh_of(&line, vector_pk, NULL), 0);
	assert_int_equal(line.size, strlen(vector_line) - strlen(" vector"));
	sanshe_buf_dispose(&line);
}

static void test_key_parse_openssh_reads_key_and_comment(void **state)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_buf comment = SANSHE_BUF_INIT;
	char line[256];

	(void)state;
	snprintf(line, sizeof(line), "%s\n", vector_line);
	assert_int_equal(sanshe_key_parse_openssh(pk, &comment, line), 0);
	assert_memory_equal(pk, vector_pk, sizeof(pk));
	assert_string_equal(comment.ptr, "vector");
	sanshe_buf_clear(&comment);
	snprintf(line, sizeof(line), "%s with  spaces\r\n", vector_line);
	assert_int_equal(sanshe_key_parse_openssh(pk, &comment, line), 0);
	assert_string_equal(comment.ptr, "vector with  spaces");
	sanshe_buf_clear(&comment);
	assert_int_equal(sanshe_key_parse_openssh(pk, &comment,
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIONKZWrxaMPY6VCW49I9OlEtOuIv"
		"7fRqFSnB+DLULFXO"), 0);
	assert_int_equal(comment.size, 0);
	assert_memory_equal(pk, vector_pk, sizeof(pk));
	sanshe_buf_dispose(&comment);
}

static void test_key_parse_openssh_refuses_other_key_types(void **state)
{
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];

	(void)state;
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL,
		"ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 bob"), SANSHE_EPARSE);
	assert_string_equal(sanshe_error_last(),
			    "'ssh-rsa' keys are not supported: sanshe uses "
			    "ssh-ed25519 keys only");
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL,
		"ecdsa-sha2-nistp256 AAAAE2VjZHNh"), SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "'ecdsa-sha2-nistp256'"));
}

/* The line says ssh-ed25519 but its data says otherwise. */
static void test_key_parse_openssh_refuses_bad_key_data(void **state)
{
	unsigned char blob[SANSHE_KEY_SSH_BLOB_BYTES], pk[32];
	char b64[128], line[256];

	(void)state;
	sanshe_key_ssh_blob(blob, vector_pk);
	memcpy(blob + 4, "ssh-ed25518", 11);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob),
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof(line), "ssh-ed25519 %s x", b64);
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL, line), SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "not of type ssh-ed25519"));
	sanshe_key_ssh_blob(blob, vector_pk);
	sodium_bin2base64(b64, sizeof(b64), blob, sizeof(blob) - 3,
			  sodium_base64_VARIANT_ORIGINAL);
	snprintf(line, sizeof(line), "ssh-ed25519 %s x", b64);
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL, line), SANSHE_EPARSE);
	assert_non_null(strstr(sanshe_error_last(), "wrong length"));
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL,
		"ssh-ed25519 AAAA!!!! x"), SANSHE_EPARSE);
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL, "ssh-ed25519"),
			 SANSHE_EPARSE);
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL, ""), SANSHE_EPARSE);
	snprintf(line, sizeof(line), "%s\nssh-ed25519 AAAA", vector_line);
	assert_int_equal(sanshe_key_parse_openssh(pk, NULL, line), SANSHE_EPARSE);
}

static void test_key_saved_key_unlocks_and_signs(void **state)
{
	const char *home = *state;
	unsigned char sig[SANSHE_KEY_SIGNATURE_BYTES];
	sanshe_key *made, *unlocked, *public;

	assert_int_equal(sanshe_key_generate(&made, "alice"), 0);
	assert_int_equal(sanshe_key_save(made, home, PASS, &fast), 0);
	assert_int_equal(sanshe_key_unlock(&unlocked, home, "alice", PASS), 0);
	assert_int_equal(sanshe_key_load_public(&public, home, "alice"), 0);
	assert_false(sanshe_key_is_unlocked(public));
	assert_memory_equal(sanshe_key_public(made), sanshe_key_public(unlocked),
			    SANSHE_KEY_PUBLIC_BYTES);
	assert_string_equal(sanshe_key_fingerprint(made),
			    sanshe_key_fingerprint(public));
	assert_string_equal(sanshe_key_name(public), "alice");
	assert_int_equal(sanshe_key_sign(unlocked, sig, "x", 1), 0);
	assert_int_equal(sanshe_key_verify(sanshe_key_public(public), sig, "x", 1), 0);
	assert_int_equal(sanshe_key_sign(public, sig, "x", 1), SANSHE_EINVALID);
	assert_non_null(strstr(sanshe_error_last(), "'alice' is locked"));
	sanshe_key_free(made);
	sanshe_key_free(unlocked);
	sanshe_key_free(public);
}

static void test_key_unlock_rejects_wrong_passphrase(void **state)
{
	const char *home = *state;
	sanshe_key *key = NULL;

	make_key(home, "alice");
	assert_int_equal(sanshe_key_unlock(&key, home, "alice", "Correct horse"),
			 SANSHE_EPASSPHRASE);
	assert_null(key);
	assert_string_equal(sanshe_error_last(), "wrong passphrase for key 'alice'");
}

static void test_key_save_refuses_to_replace_a_key(void **state)
{
	const char *home = *state;
	sanshe_key *key;
	char *before, *after;

	make_key(home, "alice");
	before = scratch_read(scratch_path(home, "keys/alice.key"), NULL);
	assert_int_equal(sanshe_key_generate(&key, "alice"), 0);
	assert_int_equal(sanshe_key_save(key, home, PASS, &fast), SANSHE_EEXISTS);
	assert_string_equal(sanshe_error_last(), "key 'alice' exists already");
	after = scratch_read(scratch_path(home, "keys/alice.key"), NULL);
	assert_string_equal(before, after);
	sanshe_key_free(key);
	free(before);
	free(after);
}

static void test_key_save_refuses_empty_passphrase_and_locked_key(void **state)
{
	const char *home = *state;
	sanshe_key *key;
	struct stat st;

	assert_int_equal(sanshe_key_generate(&key, "alice"), 0);
	assert_int_equal(sanshe_key_save(key, home, "", &fast), SANSHE_EINVALID);
	assert_int_not_equal(stat(scratch_path(home, "keys/alice.key"), &st), 0);
	sanshe_key_free(key);
	make_key(home, "bob");
	assert_int_equal(sanshe_key_load_public(&key, home, "bob"), 0);
	assert_int_equal(sanshe_key_save(key, home, PASS, &fast), SANSHE_EINVALID);
	sanshe_key_free(key);
}

static void test_key_save_refuses_unsafe_kdf_limits(void **state)
{
	sanshe_kdf_limits huge = { 3, (size_t)1 << 40 };
	sanshe_key *key;

	assert_int_equal(sanshe_key_generate(&key, "alice"), 0);
	assert_int_equal(sanshe_key_save(key, *state, PASS, &huge), SANSHE_EINVALID);
	sanshe_key_free(key);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static void test_key_files_have_private_modes(void **state)
{
	char *home;

	assert_true(asprintf(&home, "%s/nested/home", (char *)*state) > 0);
	make_key(home, "alice");
	assert_int_equal(mode_of(home), 0700);
	assert_int_equal(mode_of(scratch_path(home, "keys")), 0700);
	assert_int_equal(mode_of(scratch_path(home, "keys/alice.key")), 0600);
	assert_int_equal(mode_of(scratch_path(home, "keys/alice.pub")), 0644);
	free(home);
}

static void test_key_pub_file_holds_the_openssh_line(void **state)
{
	const char *home = *state;
	sanshe_buf line = SANSHE_BUF_INIT;
	sanshe_key *key;
	char *pub;

	make_key(home, "alice");
	assert_int_equal(sanshe_key_load_public(&key, home, "alice"), 0);
	assert_int_equal(sanshe_key_openssh(key, &line), 0);
	assert_int_equal(sanshe_buf_putc(&line, '\n'), 0);
	pub = scratch_read(scratch_path(home, "keys/alice.pub"), NULL);
	assert_string_equal(pub, line.ptr);
	assert_int_equal(strncmp(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37), 0);
	assert_non_null(strstr(pub, " alice\n"));
	free(pub);
	sanshe_buf_dispose(&line);
	sanshe_key_free(key);
}

static void test_key_missing_key_is_not_found(void **state)
{
	sanshe_key *key = NULL;

	assert_int_equal(sanshe_key_load_public(&key, *state, "nobody"),
			 SANSHE_ENOTFOUND);
	assert_null(key);
	assert_non_null(strstr(sanshe_error_last(), "no key 'nobody'"));
	assert_int_equal(sanshe_key_unlock(&key, *state, "no/body", PASS),
			 SANSHE_EINVALID);
}

static void test_key_file_with_huge_memlimit_is_refused(void **state)
{
	const char *home = *state;
	time_t start = time(NULL);

	make_key(home, "alice");
	doctor(home, "alice", "memlimit", cJSON_CreateNumber(100e9));
	expect_damaged(home, "alice");
	assert_non_null(strstr(sanshe_error_last(), "'memlimit'"));
	doctor(home, "alice", "memlimit", cJSON_CreateNumber(67108864.5));
	expect_damaged(home, "alice");
	doctor(home, "alice", "memlimit", cJSON_CreateNumber(67108864));
	doctor(home, "alice", "opslimit", cJSON_CreateNumber(1e6));
	expect_damaged(home, "alice");
	assert_true(time(NULL) - start < 10);
}

static void test_key_file_with_tampered_box_is_refused(void **state)
{
	const char *home = *state;
	unsigned char box[48];
	char b64[80];
	sanshe_key *key = NULL;
	cJSON *root;
	char *text;

	make_key(home, "alice");
	text = scratch_read(scratch_path(home, "keys/alice.key"), NULL);
	root = cJSON_Parse(text);
	assert_int_equal(sodium_base642bin(box, sizeof(box),
		cJSON_GetObjectItem(root, "box")->valuestring, 64, NULL, NULL,
		NULL, sodium_base64_VARIANT_ORIGINAL), 0);
	box[20] ^= 0x40;
	sodium_bin2base64(b64, sizeof(b64), box, sizeof(box),
			  sodium_base64_VARIANT_ORIGINAL);
	doctor(home, "alice", "box", cJSON_CreateString(b64));
	assert_int_equal(sanshe_key_unlock(&key, home, "alice", PASS),
			 SANSHE_EPASSPHRASE);
	assert_null(key);
	doctor(home, "alice", "box", cJSON_CreateString("c2hvcnQ="));
	expect_damaged(home, "alice");
	assert_non_null(strstr(sanshe_error_last(), "'box'"));
	free(text);
	cJSON_Delete(root);
}

static void test_key_truncated_file_is_refused(void **state)
{
	const char *home = *state;
	const char *path = scratch_path(home, "keys/alice.key");
	sanshe_key *key = NULL;
	size_t len;
	char *text;

	make_key(home, "alice");
	path = scratch_path(home, "keys/alice.key");
	text = scratch_read(path, &len);
	for (size_t cut = 0; cut < len - 2; cut += 7) {
		scratch_write(scratch_path(home, "keys/alice.key"), text, cut);
		assert_int_equal(sanshe_key_load_public(&key, home, "alice"),
				 SANSHE_EPARSE);
		assert_null(key);
	}
	free(text);
}

static void test_key_file_with_odd_fields_is_refused(void **state)
{
	const char *home = *state;

	make_key(home, "alice");
	doctor(home, "alice", "kdf", cJSON_CreateString("scrypt"));
	expect_damaged(home, "alice");
	doctor(home, "alice", "kdf", cJSON_CreateString("argon2id13"));
	doctor(home, "alice", "version", cJSON_CreateNumber(2));
	expect_damaged(home, "alice");
	assert_non_null(strstr(sanshe_error_last(), "version 2 is not supported"));
	doctor(home, "alice", "version", cJSON_CreateNumber(1));
	doctor(home, "alice", "salt", NULL);
	expect_damaged(home, "alice");
	assert_non_null(strstr(sanshe_error_last(), "field 'salt' is missing"));
	make_key(home, "bob");
	doctor(home, "bob", "public", cJSON_CreateString("ssh-rsa AAAA bob"));
	expect_damaged(home, "bob");
}

static void test_key_file_with_duplicate_or_unknown_field_is_refused(void **state)
{
	const char *home = *state;
	const char *path;
	char *text, *doubled;

	make_key(home, "alice");
	path = scratch_path(home, "keys/alice.key");
	text = scratch_read(path, NULL);
	assert_true(asprintf(&doubled, "{\"kdf\": \"argon2id13\", %s", text + 1) > 0);
	scratch_write(path, doubled, strlen(doubled));
	expect_damaged(home, "alice");
	assert_non_null(strstr(sanshe_error_last(), "'kdf' appears twice"));
	free(doubled);
	assert_true(asprintf(&doubled, "{\"\\u001b[31m\": 1, %s", text + 1) > 0);
	scratch_write(path, doubled, strlen(doubled));
	expect_damaged(home, "alice");
	assert_non_null(strstr(sanshe_error_last(), "unknown field '?[31m'"));
	free(doubled);
	free(text);
}

/* Someone put bob's public key into alice's file. */
static void test_key_file_with_another_public_key_is_refused(void **state)
{
	const char *home = *state;
	sanshe_key *bob, *key = NULL;
	sanshe_buf line = SANSHE_BUF_INIT;

	make_key(home, "alice");
	assert_int_equal(sanshe_key_generate(&bob, "bob"), 0);
	assert_int_equal(sanshe_key_openssh(bob, &line), 0);
	doctor(home, "alice", "public", cJSON_CreateString(line.ptr));
	assert_int_equal(sanshe_key_unlock(&key, home, "alice", PASS), SANSHE_EPARSE);
	assert_null(key);
	assert_non_null(strstr(sanshe_error_last(), "does not match its public key"));
	sanshe_buf_dispose(&line);
	sanshe_key_free(bob);
}

static void test_key_file_renamed_is_refused(void **state)
{
	const char *home = *state;
	char *text;
	size_t len;

	make_key(home, "alice");
	text = scratch_read(scratch_path(home, "keys/alice.key"), &len);
	scratch_write(scratch_path(home, "keys/mallory.key"), text, len);
	expect_damaged(home, "mallory");
	assert_non_null(strstr(sanshe_error_last(), "does not match its file name"));
	free(text);
}

struct seen {
	char names[8][SANSHE_KEY_NAME_MAX + 1];
	size_t count;
};

static int remember(const sanshe_key *key, void *payload)
{
	struct seen *seen = payload;

	assert_false(sanshe_key_is_unlocked(key));
	strcpy(seen->names[seen->count++], sanshe_key_name(key));
	return 0;
}

static void test_key_list_is_sorted_by_name(void **state)
{
	const char *home = *state;
	struct seen seen = { .count = 0 };

	make_key(home, "carol");
	make_key(home, "Alice");
	make_key(home, "bob");
	scratch_write(scratch_path(home, "keys/.bob.key.tmp"), "x", 1);
	scratch_write(scratch_path(home, "keys/notes.txt"), "x", 1);
	assert_int_equal(sanshe_key_list(home, remember, &seen), 0);
	assert_int_equal(seen.count, 3);
	assert_string_equal(seen.names[0], "Alice");
	assert_string_equal(seen.names[1], "bob");
	assert_string_equal(seen.names[2], "carol");
}

static void test_key_list_of_a_new_home_is_empty(void **state)
{
	struct seen seen = { .count = 0 };

	assert_int_equal(sanshe_key_list(scratch_path(*state, "none"), remember,
					 &seen), 0);
	assert_int_equal(seen.count, 0);
}

static void test_key_found_by_fingerprint(void **state)
{
	const char *home = *state;
	sanshe_key *bob, *found = NULL;

	make_key(home, "alice");
	make_key(home, "bob");
	assert_int_equal(sanshe_key_load_public(&bob, home, "bob"), 0);
	assert_int_equal(sanshe_key_find_fingerprint(&found, home,
						     sanshe_key_fingerprint(bob)), 0);
	assert_string_equal(sanshe_key_name(found), "bob");
	sanshe_key_free(found);
	found = NULL;
	assert_int_equal(sanshe_key_find_fingerprint(&found, home,
						     vector_fingerprint),
			 SANSHE_ENOTFOUND);
	assert_null(found);
	assert_int_equal(sanshe_key_find_fingerprint(&found, home, "SHA256:x"),
			 SANSHE_EINVALID);
	sanshe_key_free(bob);
}

static void expect_default(const char *home, const char *name)
{
	sanshe_buf got = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_key_default_get(home, &got), 0);
	assert_string_equal(got.ptr, name);
	sanshe_buf_dispose(&got);
}

static void test_key_first_key_made_is_the_default(void **state)
{
	const char *home = *state;
	sanshe_buf got = SANSHE_BUF_INIT;

	assert_int_equal(sanshe_key_default_get(home, &got), SANSHE_ENOTFOUND);
	make_key(home, "zoe");
	make_key(home, "adam");
	expect_default(home, "zoe");
	assert_int_equal(sanshe_key_default_set(home, "adam"), 0);
	expect_default(home, "adam");
	assert_int_equal(sanshe_key_default_set(home, "nobody"), SANSHE_ENOTFOUND);
	assert_int_equal(sanshe_key_default_set(home, "../adam"), SANSHE_EINVALID);
	expect_default(home, "adam");
	sanshe_buf_dispose(&got);
}

static void test_key_default_without_file_is_the_oldest_key(void **state)
{
	const char *home = *state;
	struct timespec times[2] = { { 1000, 0 }, { 1000, 0 } };

	make_key(home, "zoe");
	make_key(home, "adam");
	assert_int_equal(unlink(scratch_path(home, "default")), 0);
	assert_int_equal(utimensat(AT_FDCWD, scratch_path(home, "keys/zoe.key"),
				   times, 0), 0);
	expect_default(home, "zoe");
	times[0].tv_sec = times[1].tv_sec = 500;
	assert_int_equal(utimensat(AT_FDCWD, scratch_path(home, "keys/adam.key"),
				   times, 0), 0);
	expect_default(home, "adam");
	scratch_write(scratch_path(home, "default"), "../etc\n", 7);
	{
		sanshe_buf got = SANSHE_BUF_INIT;

		assert_int_equal(sanshe_key_default_get(home, &got), SANSHE_EPARSE);
		sanshe_buf_dispose(&got);
	}
}

static void test_kdf_limits_have_names(void **state)
{
	sanshe_kdf_limits limits;

	(void)state;
	assert_int_equal(sanshe_kdf_limits_named(&limits, "moderate"), 0);
	assert_int_equal(limits.memlimit, crypto_pwhash_MEMLIMIT_MODERATE);
	assert_int_equal(sanshe_kdf_limits_named(&limits, "fast"), SANSHE_EINVALID);
}

#define HOME_TEST(f) cmocka_unit_test_setup_teardown(f, home_setup, home_teardown)

/* The X25519 halves of a key pair: the public one is the secret one's base point multiple. */
static void test_key_x25519_halves_match(void **state)
{
	unsigned char pk[SANSHE_KEY_X25519_BYTES], sk[SANSHE_KEY_X25519_BYTES];
	unsigned char derived[SANSHE_KEY_X25519_BYTES], other[SANSHE_KEY_X25519_BYTES];
	sanshe_key *key = NULL, *second = NULL;

	(void)state;
	assert_int_equal(sanshe_key_generate(&key, "x"), 0);
	assert_int_equal(sanshe_key_generate(&second, "y"), 0);
	assert_int_equal(sanshe_key_x25519_public(pk, sanshe_key_public(key)), 0);
	assert_int_equal(sanshe_key_x25519_secret(key, sk), 0);
	assert_int_equal(crypto_scalarmult_base(derived, sk), 0);
	assert_memory_equal(derived, pk, sizeof(pk));
	assert_int_equal(sanshe_key_x25519_public(other, sanshe_key_public(second)), 0);
	assert_memory_not_equal(other, pk, sizeof(pk));
	sodium_memzero(sk, sizeof(sk));
	sanshe_key_free(key);
	sanshe_key_free(second);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_signature_verifies_with_its_public_key),
		cmocka_unit_test(test_key_verify_rejects_changed_message_or_signature),
		cmocka_unit_test(test_key_names_are_checked),
		cmocka_unit_test(test_key_fingerprint_matches_ssh_keygen),
		cmocka_unit_test(test_key_openssh_line_matches_ssh_keygen),
		cmocka_unit_test(test_key_parse_openssh_reads_key_and_comment),
		cmocka_unit_test(test_key_parse_openssh_refuses_other_key_types),
		cmocka_unit_test(test_key_parse_openssh_refuses_bad_key_data),
		HOME_TEST(test_key_saved_key_unlocks_and_signs),
		HOME_TEST(test_key_unlock_rejects_wrong_passphrase),
		HOME_TEST(test_key_save_refuses_to_replace_a_key),
		HOME_TEST(test_key_save_refuses_empty_passphrase_and_locked_key),
		HOME_TEST(test_key_save_refuses_unsafe_kdf_limits),
		HOME_TEST(test_key_files_have_private_modes),
		HOME_TEST(test_key_pub_file_holds_the_openssh_line),
		HOME_TEST(test_key_missing_key_is_not_found),
		HOME_TEST(test_key_file_with_huge_memlimit_is_refused),
		HOME_TEST(test_key_file_with_tampered_box_is_refused),
		HOME_TEST(test_key_truncated_file_is_refused),
		HOME_TEST(test_key_file_with_odd_fields_is_refused),
		HOME_TEST(test_key_file_with_duplicate_or_unknown_field_is_refused),
		HOME_TEST(test_key_file_with_another_public_key_is_refused),
		HOME_TEST(test_key_file_renamed_is_refused),
		HOME_TEST(test_key_list_is_sorted_by_name),
		HOME_TEST(test_key_list_of_a_new_home_is_empty),
		HOME_TEST(test_key_found_by_fingerprint),
		HOME_TEST(test_key_first_key_made_is_the_default),
		HOME_TEST(test_key_default_without_file_is_the_oldest_key),
		cmocka_unit_test(test_kdf_limits_have_names),
		cmocka_unit_test(test_key_x25519_halves_match),
	};

	if (sanshe_kdf_limits_named(&fast, "interactive") != 0)
		return 1;
	return cmocka_run_group_tests_name("key", tests, NULL, NULL);
}
