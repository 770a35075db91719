/*
 * Keys kept in the home directory: the encrypted key file, the public line
 * beside it, and the name of the default key.
 */
#include "common.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "key_int.h"

#define KEY_FILE_VERSION 1
#define KEY_FILE_MAX 4096
#define DEFAULT_FILE_MAX 256
#define KDF_NAME "argon2id13"
#define BOX_BYTES (SANSHE_KEY_SEED_BYTES + crypto_secretbox_MACBYTES)

/*
 * Bounds on the passphrase hashing cost, for writing and for reading: a
 * doctored key file must not make us spend gigabytes or minutes.
 * "sensitive" (4 passes over 1 GiB) is the most libsodium names.
 */
#define OPSLIMIT_MIN crypto_pwhash_OPSLIMIT_MIN
#define OPSLIMIT_MAX 8ULL
#define MEMLIMIT_MIN crypto_pwhash_MEMLIMIT_MIN
#define MEMLIMIT_MAX crypto_pwhash_MEMLIMIT_SENSITIVE

/* What a key file holds, once checked. */
struct key_record {
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_kdf_limits limits;
	unsigned char salt[crypto_pwhash_SALTBYTES];
	unsigned char nonce[crypto_secretbox_NONCEBYTES];
	unsigned char box[BOX_BYTES];
};

static const char *const record_fields[] = {
	"version", "name", "public", "kdf", "opslimit",
	"memlimit", "salt", "nonce", "box",
};

static int key_path(sanshe_buf *out, const char *home, const char *name,
		    const char *ext)
{
	return sanshe_buf_printf(out, "%s/keys/%s%s", home, name, ext);
}

static int check_limits(const sanshe_kdf_limits *limits)
{
	if (limits->opslimit < OPSLIMIT_MIN || limits->opslimit > OPSLIMIT_MAX ||
	    limits->memlimit < MEMLIMIT_MIN || limits->memlimit > MEMLIMIT_MAX)
		return sanshe_error_set(SANSHE_EINVALID,
					_("passphrase hashing limits out of range "
					  "(opslimit %llu, memlimit %zu)"),
					limits->opslimit, limits->memlimit);
	return 0;
}

/* Derive the key that seals the secret key from the passphrase. */
static int derive(unsigned char k[crypto_secretbox_KEYBYTES],
		  const char *passphrase, const struct key_record *rec)
{
	if (crypto_pwhash(k, crypto_secretbox_KEYBYTES, passphrase,
			  strlen(passphrase), rec->salt, rec->limits.opslimit,
			  rec->limits.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return sanshe_error_set(SANSHE_ENOMEM, "%s",
					_("not enough memory to hash the passphrase"));
	return 0;
}

/* Fill `rec` for `key`: fresh salt and nonce, the seed sealed. */
static int seal(struct key_record *rec, const sanshe_key *key,
		const char *passphrase, const sanshe_kdf_limits *limits)
{
	unsigned char k[crypto_secretbox_KEYBYTES];
	unsigned char seed[SANSHE_KEY_SEED_BYTES];
	int err;

	memcpy(rec->pk, key->pk, sizeof(rec->pk));
	rec->limits = *limits;
	randombytes_buf(rec->salt, sizeof(rec->salt));
	randombytes_buf(rec->nonce, sizeof(rec->nonce));
	if ((err = derive(k, passphrase, rec)) == 0) {
		crypto_sign_ed25519_sk_to_seed(seed, key->sk);
		crypto_secretbox_easy(rec->box, seed, sizeof(seed), rec->nonce, k);
	}
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(k, sizeof(k));
	return err;
}

static int add_base64(cJSON *obj, const char *field, const unsigned char *bin,
		      size_t len)
{
	char b64[sodium_base64_ENCODED_LEN(BOX_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(b64, sizeof(b64), bin, len,
			  sodium_base64_VARIANT_ORIGINAL);
	return cJSON_AddStringToObject(obj, field, b64) ? 0 : -1;
}

static int fill_json(cJSON *obj, const sanshe_key *key,
		     const struct key_record *rec, const char *public_line)
{
	if (!cJSON_AddNumberToObject(obj, "version", KEY_FILE_VERSION) ||
	    !cJSON_AddStringToObject(obj, "name", key->name) ||
	    !cJSON_AddStringToObject(obj, "public", public_line) ||
	    !cJSON_AddStringToObject(obj, "kdf", KDF_NAME) ||
	    !cJSON_AddNumberToObject(obj, "opslimit", (double)rec->limits.opslimit) ||
	    !cJSON_AddNumberToObject(obj, "memlimit", (double)rec->limits.memlimit) ||
	    add_base64(obj, "salt", rec->salt, sizeof(rec->salt)) ||
	    add_base64(obj, "nonce", rec->nonce, sizeof(rec->nonce)) ||
	    add_base64(obj, "box", rec->box, sizeof(rec->box)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	return 0;
}

/* The text of the key file of `key`. */
static int record_write(sanshe_buf *out, const sanshe_key *key,
			const struct key_record *rec)
{
	sanshe_buf line = SANSHE_BUF_INIT;
	cJSON *obj = cJSON_CreateObject();
	char *text = NULL;
	int err;

	if (!obj) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	if ((err = sanshe_key_openssh(key, &line)) != 0 ||
	    (err = fill_json(obj, key, rec, line.ptr)) != 0)
		goto done;
	if (!(text = cJSON_Print(obj))) {
		err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		goto done;
	}
	if ((err = sanshe_buf_puts(out, text)) == 0)
		err = sanshe_buf_putc(out, '\n');
done:
	free(text);
	cJSON_Delete(obj);
	sanshe_buf_dispose(&line);
	return err;
}

/* A field's name as it may be shown: printable ASCII, at most 32 bytes. */
static const char *printable(char out[33], const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < 32; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
	return out;
}

static size_t field_index(const char *name)
{
	size_t i;

	for (i = 0; i < SANSHE_ARRAY_SIZE(record_fields); i++)
		if (strcmp(record_fields[i], name) == 0)
			break;
	return i;
}

/* Every field once, nothing else. */
static int check_members(const cJSON *root)
{
	const size_t count = SANSHE_ARRAY_SIZE(record_fields);
	unsigned seen = 0;
	char shown[33];

	for (const cJSON *m = root->child; m; m = m->next) {
		size_t i = field_index(m->string);

		if (i == count)
			return sanshe_error_set(SANSHE_EPARSE, _("unknown field '%s'"),
						printable(shown, m->string));
		if (seen & (1u << i))
			return sanshe_error_set(SANSHE_EPARSE,
						_("field '%s' appears twice"),
						record_fields[i]);
		seen |= 1u << i;
	}
	for (size_t i = 0; i < count; i++)
		if (!(seen & (1u << i)))
			return sanshe_error_set(SANSHE_EPARSE, _("field '%s' is missing"),
						record_fields[i]);
	return 0;
}

static int get_string(const char **out, const cJSON *root, const char *field)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, field);

	if (!cJSON_IsString(item))
		return sanshe_error_set(SANSHE_EPARSE, _("field '%s' is not a string"),
					field);
	*out = item->valuestring;
	return 0;
}

static int get_count(unsigned long long *out, const cJSON *root,
		     const char *field, unsigned long long min,
		     unsigned long long max)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, field);
	double d = cJSON_IsNumber(item) ? item->valuedouble : -1;

	/* Compare as doubles first: a huge value must not be converted. */
	if (!(d >= (double)min && d <= (double)max) ||
	    d != (double)(unsigned long long)d)
		return sanshe_error_set(SANSHE_EPARSE,
					_("field '%s' is not a whole number from "
					  "%llu to %llu"), field, min, max);
	*out = (unsigned long long)d;
	return 0;
}

static int get_base64(unsigned char *bin, size_t len, const cJSON *root,
		      const char *field)
{
	const char *s;
	size_t got;
	int err;

	if ((err = get_string(&s, root, field)) != 0)
		return err;
	if (sodium_base642bin(bin, len, s, strlen(s), NULL, &got, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || got != len)
		return sanshe_error_set(SANSHE_EPARSE,
					_("field '%s' is not %zu bytes in base64"),
					field, len);
	return 0;
}

/* version, name, public and kdf. */
static int parse_header(struct key_record *rec, const cJSON *root,
			const char *name)
{
	unsigned long long version;
	const char *s;
	int err;

	if ((err = get_count(&version, root, "version", 0, 1000)) != 0)
		return err;
	if (version != KEY_FILE_VERSION)
		return sanshe_error_set(SANSHE_EPARSE,
					_("version %llu is not supported"), version);
	if ((err = get_string(&s, root, "name")) != 0)
		return err;
	if (strcmp(s, name) != 0)
		return sanshe_error_set(SANSHE_EPARSE, "%s",
					_("its name does not match its file name"));
	if ((err = get_string(&s, root, "public")) != 0)
		return err;
	if ((err = sanshe_key_parse_openssh(rec->pk, NULL, s)) != 0)
		return sanshe_error_prefix(_("field '%s'"), "public");
	if ((err = get_string(&s, root, "kdf")) != 0)
		return err;
	if (strcmp(s, KDF_NAME) != 0)
		return sanshe_error_set(SANSHE_EPARSE,
					_("kdf is not '%s'"), KDF_NAME);
	return 0;
}

/* opslimit, memlimit, salt, nonce and box. */
static int parse_secret(struct key_record *rec, const cJSON *root)
{
	unsigned long long mem;
	int err;

	if ((err = get_count(&rec->limits.opslimit, root, "opslimit",
			     OPSLIMIT_MIN, OPSLIMIT_MAX)) != 0 ||
	    (err = get_count(&mem, root, "memlimit", MEMLIMIT_MIN,
			     MEMLIMIT_MAX)) != 0)
		return err;
	rec->limits.memlimit = (size_t)mem;
	if ((err = get_base64(rec->salt, sizeof(rec->salt), root, "salt")) != 0 ||
	    (err = get_base64(rec->nonce, sizeof(rec->nonce), root, "nonce")) != 0 ||
	    (err = get_base64(rec->box, sizeof(rec->box), root, "box")) != 0)
		return err;
	return 0;
}

static int record_parse(struct key_record *rec, const sanshe_buf *text,
			const char *name)
{
	cJSON *root = NULL;
	int err;

	if (text->size == 0 || strlen(text->ptr) != text->size) {
		err = sanshe_error_set(SANSHE_EPARSE, "%s", text->size ?
				       _("it holds a NUL byte") : _("it is empty"));
		goto done;
	}
	root = cJSON_ParseWithOpts(text->ptr, NULL, 1);
	if (!cJSON_IsObject(root)) {
		err = sanshe_error_set(SANSHE_EPARSE, "%s", _("not a JSON object"));
		goto done;
	}
	if ((err = check_members(root)) != 0 ||
	    (err = parse_header(rec, root, name)) != 0)
		goto done;
	err = parse_secret(rec, root);
done:
	cJSON_Delete(root);
	return err;
}

/* Read and check the key file of `name`. */
static int record_read(struct key_record *rec, const char *home,
		       const char *name)
{
	sanshe_buf path = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_key_name_check(name)) != 0 ||
	    (err = key_path(&path, home, name, ".key")) != 0)
		goto done;
	err = sanshe_fs_read(&text, path.ptr, KEY_FILE_MAX);
	if (err == SANSHE_ENOTFOUND)
		err = sanshe_error_set(err, _("no key '%s' in '%s'"), name, home);
	else if (err == 0 && (err = record_parse(rec, &text, name)) != 0)
		err = sanshe_error_prefix(_("key file '%s' is damaged"), path.ptr);
done:
	sanshe_buf_dispose(&path);
	sanshe_buf_dispose(&text);
	return err;
}

int sanshe_key_load_public(sanshe_key **out, const char *home,
			   const char *name)
{
	struct key_record rec;
	int err;

	*out = NULL;
	if ((err = record_read(&rec, home, name)) != 0)
		return err;
	return sanshe_key__new(out, name, rec.pk);
}

/* Open the box of `rec` with `passphrase` and unlock `key` with its seed. */
static int open_box(sanshe_key *key, const struct key_record *rec,
		    const char *passphrase, const char *home)
{
	unsigned char k[crypto_secretbox_KEYBYTES];
	unsigned char seed[SANSHE_KEY_SEED_BYTES];
	int err;

	if ((err = derive(k, passphrase, rec)) != 0)
		goto done;
	if (crypto_secretbox_open_easy(seed, rec->box, sizeof(rec->box),
				       rec->nonce, k) != 0) {
		err = sanshe_error_set(SANSHE_EPASSPHRASE,
				       _("wrong passphrase for key '%s'"), key->name);
		goto done;
	}
	if ((err = sanshe_key__unlock_with_seed(key, seed)) == SANSHE_EINVALID)
		err = sanshe_error_set(SANSHE_EPARSE,
				       _("key file '%s/keys/%s.key' is damaged: its "
					 "secret key does not match its public key"),
				       home, key->name);
done:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(k, sizeof(k));
	return err;
}

int sanshe_key_unlock(sanshe_key **out, const char *home, const char *name,
		      const char *passphrase)
{
	struct key_record rec;
	sanshe_key *key = NULL;
	int err;

	*out = NULL;
	if ((err = sanshe_key__crypto_ready()) != 0 ||
	    (err = record_read(&rec, home, name)) != 0 ||
	    (err = sanshe_key__new(&key, name, rec.pk)) != 0 ||
	    (err = open_box(key, &rec, passphrase, home)) != 0) {
		sanshe_key_free(key);
		return err;
	}
	*out = key;
	return 0;
}

static int file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* The first key saved in a home without a default becomes the default. */
static int claim_default(const char *home, const char *name)
{
	sanshe_buf path = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_buf_printf(&path, "%s/default", home)) != 0 ||
	    (err = sanshe_buf_printf(&text, "%s\n", name)) != 0)
		goto done;
	if (!file_exists(path.ptr)) {
		err = sanshe_fs_write(path.ptr, text.ptr, text.size, 0644,
				      SANSHE_FS_NOREPLACE);
		if (err == SANSHE_EEXISTS)
			err = 0;
	}
done:
	sanshe_buf_dispose(&path);
	sanshe_buf_dispose(&text);
	return err;
}

/*
 * Write NAME.key (never replacing one), NAME.pub, and maybe the default;
 * when a later step fails, remove what the earlier ones wrote.
 */
static int write_files(const sanshe_key *key, const char *home,
		       const sanshe_buf *text)
{
	sanshe_buf key_file = SANSHE_BUF_INIT, pub_file = SANSHE_BUF_INIT;
	sanshe_buf pub = SANSHE_BUF_INIT;
	int err;

	if ((err = key_path(&key_file, home, key->name, ".key")) != 0 ||
	    (err = key_path(&pub_file, home, key->name, ".pub")) != 0 ||
	    (err = sanshe_key_openssh(key, &pub)) != 0 ||
	    (err = sanshe_buf_putc(&pub, '\n')) != 0)
		goto done;
	err = sanshe_fs_write(key_file.ptr, text->ptr, text->size, 0600,
			      SANSHE_FS_NOREPLACE);
	if (err == SANSHE_EEXISTS)
		err = sanshe_error_set(err, _("key '%s' exists already"), key->name);
	if (err)
		goto done;
	if ((err = sanshe_fs_write(pub_file.ptr, pub.ptr, pub.size, 0644, 0)) != 0 ||
	    (err = claim_default(home, key->name)) != 0) {
		unlink(pub_file.ptr);
		unlink(key_file.ptr);
	}
done:
	sanshe_buf_dispose(&key_file);
	sanshe_buf_dispose(&pub_file);
	sanshe_buf_dispose(&pub);
	return err;
}

static int prepare_home(const char *home, const char *name)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	int err;

	if ((err = key_path(&path, home, name, ".key")) != 0)
		goto done;
	if (file_exists(path.ptr)) {
		err = sanshe_error_set(SANSHE_EEXISTS, _("key '%s' exists already"),
				       name);
		goto done;
	}
	sanshe_buf_clear(&path);
	if ((err = sanshe_fs_mkdirs(home, 0700)) != 0 ||
	    (err = sanshe_buf_printf(&path, "%s/keys", home)) != 0)
		goto done;
	err = sanshe_fs_mkdirs(path.ptr, 0700);
done:
	sanshe_buf_dispose(&path);
	return err;
}

int sanshe_key_save(const sanshe_key *key, const char *home,
		    const char *passphrase, const sanshe_kdf_limits *limits)
{
	sanshe_kdf_limits moderate;
	struct key_record rec;
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	if (!key->sk)
		return sanshe_error_set(SANSHE_EINVALID,
					_("key '%s' is locked: only an unlocked "
					  "key can be saved"), key->name);
	if (!*passphrase)
		return sanshe_error_set(SANSHE_EINVALID, "%s",
					_("an empty passphrase is not allowed"));
	if (!limits) {
		moderate.opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		moderate.memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
		limits = &moderate;
	}
	if ((err = check_limits(limits)) != 0 || (err = sanshe_key__crypto_ready()) != 0 ||
	    (err = prepare_home(home, key->name)) != 0 ||
	    (err = seal(&rec, key, passphrase, limits)) != 0 ||
	    (err = record_write(&text, key, &rec)) != 0)
		goto done;
	err = write_files(key, home, &text);
done:
	sanshe_buf_dispose(&text);
	return err;
}

/* Names of the keys of a home. */
struct name_list {
	char **names;
	size_t count, alloc;
};

static void name_list_dispose(struct name_list *list)
{
	for (size_t i = 0; i < list->count; i++)
		free(list->names[i]);
	free(list->names);
	list->names = NULL;
	list->count = list->alloc = 0;
}

static int name_list_add(struct name_list *list, const char *name, size_t len)
{
	char **grown;

	if (list->count == list->alloc) {
		size_t alloc = list->alloc ? 2 * list->alloc : 16;

		if (!(grown = realloc(list->names, alloc * sizeof(*grown))))
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		list->names = grown;
		list->alloc = alloc;
	}
	if (!(list->names[list->count] = strndup(name, len)))
		return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
	list->count++;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect the names NAME of the files keys/NAME.key, sorted. */
static int name_list_read(struct name_list *list, const char *home)
{
	sanshe_buf dir = SANSHE_BUF_INIT;
	struct dirent *entry;
	DIR *d = NULL;
	int err;

	if ((err = sanshe_buf_printf(&dir, "%s/keys", home)) != 0)
		goto done;
	if (!(d = opendir(dir.ptr))) {
		if (errno != ENOENT)
			err = sanshe_error_set_os(SANSHE_EIO, _("cannot read '%s'"),
						  dir.ptr);
		goto done;
	}
	while (!err && (entry = readdir(d))) {
		size_t len = strlen(entry->d_name);

		if (len > 4 && strcmp(entry->d_name + len - 4, ".key") == 0 &&
		    sanshe_key__name_ok(entry->d_name, len - 4))
			err = name_list_add(list, entry->d_name, len - 4);
	}
	if (!err && list->count)
		qsort(list->names, list->count, sizeof(char *), compare_names);
done:
	if (d)
		closedir(d);
	sanshe_buf_dispose(&dir);
	return err;
}

int sanshe_key_list(const char *home, sanshe_key_list_cb cb, void *payload)
{
	struct name_list list = { NULL, 0, 0 };
	sanshe_key *key = NULL;
	int err;

	err = name_list_read(&list, home);
	for (size_t i = 0; !err && i < list.count; i++) {
		if ((err = sanshe_key_load_public(&key, home, list.names[i])) == 0)
			err = cb(key, payload);
		sanshe_key_free(key);
		key = NULL;
	}
	name_list_dispose(&list);
	return err;
}

struct fingerprint_search {
	const char *fingerprint;
	sanshe_key *found;
};

static int match_fingerprint(const sanshe_key *key, void *payload)
{
	struct fingerprint_search *search = payload;
	int err;

	if (strcmp(key->fingerprint, search->fingerprint) != 0)
		return 0;
	if ((err = sanshe_key__new(&search->found, key->name, key->pk)) != 0)
		return err;
	return 1;
}

int sanshe_key_find_fingerprint(sanshe_key **out, const char *home,
				const char *fingerprint)
{
	struct fingerprint_search search = { fingerprint, NULL };
	int err;

	*out = NULL;
	if (strncmp(fingerprint, "SHA256:", 7) != 0 ||
	    strlen(fingerprint) != SANSHE_KEY_FINGERPRINT_MAX - 1)
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%.60s' is not a key fingerprint "
					  "(SHA256:…)"), fingerprint);
	err = sanshe_key_list(home, match_fingerprint, &search);
	if (err < 0)
		return err;
	if (!search.found)
		return sanshe_error_set(SANSHE_ENOTFOUND,
					_("no key with fingerprint '%s' in '%s'"),
					fingerprint, home);
	*out = search.found;
	return 0;
}

/* Without a default file: the key whose file is oldest (the first made). */
static int oldest_key(const char *home, sanshe_buf *name)
{
	struct name_list list = { NULL, 0, 0 };
	sanshe_buf path = SANSHE_BUF_INIT;
	struct timespec best = { 0, 0 };
	const char *chosen = NULL;
	struct stat st;
	int err;

	err = name_list_read(&list, home);
	for (size_t i = 0; !err && i < list.count; i++) {
		sanshe_buf_clear(&path);
		if ((err = key_path(&path, home, list.names[i], ".key")) != 0 ||
		    stat(path.ptr, &st) != 0)
			continue;
		if (!chosen || st.st_mtim.tv_sec < best.tv_sec ||
		    (st.st_mtim.tv_sec == best.tv_sec &&
		     st.st_mtim.tv_nsec < best.tv_nsec)) {
			chosen = list.names[i];
			best = st.st_mtim;
		}
	}
	if (!err && !chosen)
		err = sanshe_error_set(SANSHE_ENOTFOUND, _("no key in '%s' yet"), home);
	if (!err)
		err = sanshe_buf_puts(name, chosen);
	name_list_dispose(&list);
	sanshe_buf_dispose(&path);
	return err;
}

int sanshe_key_default_get(const char *home, sanshe_buf *name)
{
	sanshe_buf path = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_buf_printf(&path, "%s/default", home)) != 0)
		goto done;
	err = sanshe_fs_read(&text, path.ptr, DEFAULT_FILE_MAX);
	if (err == SANSHE_ENOTFOUND) {
		err = oldest_key(home, name);
		goto done;
	}
	if (err)
		goto done;
	if (text.size > 0 && text.ptr[text.size - 1] == '\n')
		text.ptr[--text.size] = '\0';
	if (!sanshe_key__name_ok(text.ptr, text.size) ||
	    strlen(text.ptr) != text.size)
		err = sanshe_error_set(SANSHE_EPARSE, _("'%s' does not hold a key "
							"name"), path.ptr);
	else
		err = sanshe_buf_put(name, text.ptr, text.size);
done:
	sanshe_buf_dispose(&path);
	sanshe_buf_dispose(&text);
	return err;
}

int sanshe_key_default_set(const char *home, const char *name)
{
	sanshe_buf path = SANSHE_BUF_INIT, text = SANSHE_BUF_INIT;
	sanshe_key *key = NULL;
	int err;

	if ((err = sanshe_key_load_public(&key, home, name)) != 0 ||
	    (err = sanshe_buf_printf(&path, "%s/default", home)) != 0 ||
	    (err = sanshe_buf_printf(&text, "%s\n", name)) != 0)
		goto done;
	err = sanshe_fs_write(path.ptr, text.ptr, text.size, 0644, 0);
done:
	sanshe_key_free(key);
	sanshe_buf_dispose(&path);
	sanshe_buf_dispose(&text);
	return err;
}
