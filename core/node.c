/* A sanshe node: founding, members, writing documents as a member (node.h). */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "canon.h"
#include "conflicts.h"
#include "fs.h"
#include "json.h"
#include "node.h"
#include "sshsig.h"
#include "uuid.h"

#define SSHSIG_NAMESPACE "git"

uint64_t sanshe_node_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int out_of_memory(void)
{
	return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
}

int sanshe_node_space(const sanshe_type *type, const sanshe_member *member,
		      char out[SANSHE_SPACE_MAX])
{
	switch (type->space) {
	case SANSHE_SPACE_TRUST:
		strcpy(out, "trust");
		return 0;
	case SANSHE_SPACE_COMMON:
		strcpy(out, "common");
		return 0;
	default:
		snprintf(out, SANSHE_SPACE_MAX, "org/%s", member->org);
		return 0;
	}
}

int sanshe_node_write(sanshe_change *change, cJSON *doc, const sanshe_doc_draft *draft,
		      const sanshe_member *member, sanshe_clock *clock, sanshe_buf *what)
{
	const char *id;
	sanshe_buf text = SANSHE_BUF_INIT;
	int err;

	if ((err = sanshe_node_may_write(member, draft->type, sanshe_change_space(change))) != 0 ||
	    (err = sanshe_doc_draft_sign(doc, draft, member->key, clock, sanshe_node_wall_ms())) != 0 ||
	    (err = sanshe_canon_write(&text, doc)) != 0)
		goto done;
	id = cJSON_GetObjectItemCaseSensitive(doc, "id")->valuestring;
	if ((err = sanshe_change_put(change, draft->type->name, id, text.ptr, text.size)) == 0 && what)
		err = sanshe_buf_printf(what, "%s/%s", draft->type->name, id);
done:
	sanshe_buf_dispose(&text);
	return err;
}

int sanshe_node_carry_conflicts(sanshe_change *change, cJSON *doc, sanshe_doc_draft *draft)
{
	static const char marker[] = "\"_conflicts\"";
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "id"));
	sanshe_buf text = SANSHE_BUF_INIT;
	cJSON *stored = NULL;
	int err;

	if (!id || cJSON_GetObjectItemCaseSensitive(doc, "_conflicts"))
		return 0;
	err = sanshe_change_read(change, draft->type->name, id, &text);
	if (err == SANSHE_ENOTFOUND) {
		sanshe_error_clear();
		err = 0;
	} else if (!err && text.size && memmem(text.ptr, text.size, marker, sizeof(marker) - 1) &&
		   (err = sanshe_json_parse(&stored, text.ptr, text.size, NULL, NULL)) == 0) {
		err = sanshe_conflicts_carry(doc, draft, stored);
	}
	cJSON_Delete(stored);
	sanshe_buf_dispose(&text);
	return err;
}

static int sign_commit(sanshe_buf *armor, const char *commit, size_t len, void *payload)
{
	const sanshe_member *member = payload;

	return sanshe_sshsig_sign(armor, member->key, SSHSIG_NAMESPACE, commit, len);
}

/* A subject is one line: control characters (a name with a line break could
 * forge a trailer) become spaces. */
static int put_subject(sanshe_buf *out, const char *subject)
{
	int err = 0;

	for (const char *c = subject; *c && !err; c++)
		err = sanshe_buf_putc(out, (unsigned char)*c < 0x20 || *c == 0x7F ? ' ' : *c);
	return err;
}

/* git refuses '<', '>' and line breaks in a name: shown as spaces. */
static void author_name(char *out, size_t size, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		out[i] = strchr("<>\n\r", name[i]) ? ' ' : name[i];
	out[i] = '\0';
}

int sanshe_node_commit(sanshe_change *change, const sanshe_member *member,
		       const char *subject, const char *op, git_oid *id)
{
	sanshe_buf message = SANSHE_BUF_INIT, email = SANSHE_BUF_INIT;
	sanshe_commit_info info;
	char name[sizeof(member->name)];
	time_t now = time(NULL);
	struct tm local;
	int err;

	localtime_r(&now, &local);
	author_name(name, sizeof(name), member->name);
	if ((err = put_subject(&message, subject)) != 0 ||
	    (err = sanshe_buf_puts(&message, "\n\nSanshe-Op: ")) != 0 ||
	    (err = put_subject(&message, op)) != 0 || (err = sanshe_buf_putc(&message, '\n')) != 0 ||
	    (err = sanshe_buf_printf(&email, "%s@%s", member->id, member->org)) != 0)
		goto done;
	info.name = name;
	info.email = email.ptr;
	info.time = (int64_t)now;
	info.offset = (int)(local.tm_gmtoff / 60);
	info.message = message.ptr;
	err = sanshe_change_commit(change, &info, sign_commit, (void *)member, id);
done:
	sanshe_buf_dispose(&message);
	sanshe_buf_dispose(&email);
	return err;
}

/* ---- the roster ---- */

int sanshe_node_may_write(const sanshe_member *member, const sanshe_type *type,
			  const char *space)
{
	return sanshe_roles_may_write(member->roles, member->org, type, space, member->name);
}

/*
 * The writer is judged as verify will judge what they write: by the roster
 * over time (trust.h), now.
 */
int sanshe_node_member(sanshe_store *store, const sanshe_key *key, sanshe_member *out)
{
	sanshe_trust *trust = NULL;
	sanshe_trust_signer who;
	int err;

	if ((err = sanshe_trust_load(&trust, store, NULL)) != 0)
		return err;
	err = sanshe_trust_signer_at(trust, sanshe_key_public(key), sanshe_node_wall_ms(), &who);
	if (err == SANSHE_ENOTFOUND)
		err = sanshe_error_set(SANSHE_ENOTFOUND,
				       _("key '%s' (%s) is not a member of this federation: an admin "
					 "adds members"),
				       sanshe_key_name(key), sanshe_key_fingerprint(key));
	else if (err)
		sanshe_error_prefix(_("key '%s' cannot write"), sanshe_key_name(key));
	if (!err) {
		snprintf(out->id, sizeof(out->id), "%s", who.member);
		snprintf(out->org, sizeof(out->org), "%s", who.org);
		snprintf(out->name, sizeof(out->name), "%s", who.name ? who.name : "");
		out->roles = who.roles;
		out->key = key;
	}
	sanshe_trust_free(trust);
	return err;
}

/* ---- names by fingerprint ---- */

typedef struct known {
	char fingerprint[SANSHE_KEY_FINGERPRINT_MAX];
	char *name;
} known;

struct sanshe_node_names {
	sanshe_store *store; /* while loading */
	known *members;      /* sorted by fingerprint */
	size_t count, alloc;
};

/* Note the name and key fingerprint of one member document. */
static int note_member(const char *type, const char *id, const git_oid *blob, void *payload)
{
	sanshe_node_names *names = payload;
	unsigned char pk[SANSHE_KEY_PUBLIC_BYTES];
	sanshe_buf text = SANSHE_BUF_INIT;
	const cJSON *key, *name;
	cJSON *doc = NULL;
	known *k;
	int err;

	(void)type, (void)id;
	if ((err = sanshe_store_read_blob(names->store, blob, &text)) != 0)
		goto done;
	key = name = NULL;
	if (sanshe_json_parse(&doc, text.ptr, text.size, NULL, NULL) == 0) {
		key = cJSON_GetObjectItemCaseSensitive(doc, "key");
		name = cJSON_GetObjectItemCaseSensitive(doc, "name");
	}
	if (!cJSON_IsString(key) || !cJSON_IsString(name) ||
	    sanshe_key_parse_openssh(pk, NULL, key->valuestring) != 0)
		goto done; /* a damaged entry names no one: verify reports it */
	if (names->count == names->alloc) {
		size_t alloc = names->alloc ? 2 * names->alloc : 64;
		known *grown = realloc(names->members, alloc * sizeof(*grown));

		if (!grown) {
			err = out_of_memory();
			goto done;
		}
		names->members = grown;
		names->alloc = alloc;
	}
	k = &names->members[names->count];
	if ((err = sanshe_key_fingerprint_of(k->fingerprint, pk)) == 0 &&
	    !(k->name = strdup(name->valuestring)))
		err = out_of_memory();
	if (!err)
		names->count++;
done:
	if (!err)
		sanshe_error_clear();
	cJSON_Delete(doc);
	sanshe_buf_dispose(&text);
	return err;
}

static int by_fingerprint(const void *a, const void *b)
{
	return strcmp(((const known *)a)->fingerprint, ((const known *)b)->fingerprint);
}

int sanshe_node_names_load(sanshe_node_names **out, sanshe_store *store)
{
	sanshe_node_names *names = calloc(1, sizeof(*names));
	int err;

	*out = NULL;
	if (!names)
		return out_of_memory();
	names->store = store;
	if ((err = sanshe_store_list(store, "trust", "member", note_member, names)) != 0) {
		sanshe_node_names_free(names);
		return err;
	}
	names->store = NULL;
	if (names->count)
		qsort(names->members, names->count, sizeof(*names->members), by_fingerprint);
	*out = names;
	return 0;
}

const char *sanshe_node_names_find(const sanshe_node_names *names, const char *fingerprint)
{
	known key, *hit;

	if (!names->count || strlen(fingerprint) >= sizeof(key.fingerprint))
		return NULL;
	strcpy(key.fingerprint, fingerprint);
	hit = bsearch(&key, names->members, names->count, sizeof(key), by_fingerprint);
	return hit ? hit->name : NULL;
}

void sanshe_node_names_free(sanshe_node_names *names)
{
	if (!names)
		return;
	for (size_t i = 0; i < names->count; i++)
		free(names->members[i].name);
	free(names->members);
	free(names);
}

/* ---- founding ---- */

int sanshe_node_utc_text(char out[SANSHE_UTC_TEXT_MAX], int64_t seconds)
{
	time_t t = (time_t)seconds;
	struct tm utc;

	if (!gmtime_r(&t, &utc) || !strftime(out, SANSHE_UTC_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &utc))
		return sanshe_error_set(SANSHE_ERROR, "%s", _("cannot write the time"));
	return 0;
}

static int utc_now_text(char out[SANSHE_UTC_TEXT_MAX])
{
	return sanshe_node_utc_text(out, (int64_t)time(NULL));
}

int64_t sanshe_node_utc_seconds(const char *text)
{
	int64_t ms = sanshe_utc_ms(text);

	return ms < 0 ? -1 : ms / 1000;
}

int sanshe_node_add_roles(cJSON *doc, unsigned roles)
{
	cJSON *array = cJSON_AddArrayToObject(doc, "roles");

	if (!array)
		return out_of_memory();
	for (unsigned i = 0; sanshe_role_names[i]; i++)
		if ((roles & (1u << i)) &&
		    !cJSON_AddItemToArray(array, cJSON_CreateString(sanshe_role_names[i])))
			return out_of_memory();
	return 0;
}

static cJSON *org_document(const sanshe_founding *f, const char *org_id)
{
	cJSON *doc = cJSON_CreateObject();

	if (!doc || !cJSON_AddStringToObject(doc, "type", "org") ||
	    !cJSON_AddStringToObject(doc, "id", org_id) ||
	    !cJSON_AddStringToObject(doc, "name", f->org_name) ||
	    !cJSON_AddStringToObject(doc, "kind", f->org_kind)) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

static cJSON *admin_document(const sanshe_founding *f, const char *org_id,
			     const sanshe_key *key, const char *member_id)
{
	sanshe_buf line = SANSHE_BUF_INIT;
	cJSON *doc = cJSON_CreateObject();
	char now[SANSHE_UTC_TEXT_MAX];
	int ok = doc && utc_now_text(now) == 0 && sanshe_key_openssh(key, &line) == 0 &&
		 cJSON_AddStringToObject(doc, "type", "member") &&
		 cJSON_AddStringToObject(doc, "id", member_id) &&
		 cJSON_AddStringToObject(doc, "name", f->admin_name) &&
		 cJSON_AddStringToObject(doc, "kind", "person") &&
		 cJSON_AddStringToObject(doc, "org", org_id) &&
		 sanshe_node_add_roles(doc, SANSHE_ROLE_ADMIN | f->roles) == 0 &&
		 cJSON_AddStringToObject(doc, "key", line.ptr) &&
		 cJSON_AddStringToObject(doc, "fingerprint", sanshe_key_fingerprint(key)) &&
		 cJSON_AddStringToObject(doc, "valid_from", now);

	sanshe_buf_dispose(&line);
	if (!ok) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

/* Draft, sign and write one founding document. */
static int write_founding(sanshe_change *change, cJSON *doc, const sanshe_member *admin,
			  sanshe_clock *clock)
{
	sanshe_doc_draft draft;
	int err;

	if (!doc)
		return out_of_memory();
	if ((err = sanshe_doc_draft_new(doc, &draft)) == 0)
		err = sanshe_node_write(change, doc, &draft, admin, clock, NULL);
	cJSON_Delete(doc);
	return err;
}

/* A space begins with one commit of no documents, so that its branch exists. */
static int open_space(sanshe_store *store, const char *space, const sanshe_member *admin)
{
	sanshe_change *change = NULL;
	char subject[SANSHE_SPACE_MAX + 32];
	int err;

	snprintf(subject, sizeof(subject), "open space %s", space);
	if ((err = sanshe_change_new(&change, store, space)) == 0)
		err = sanshe_node_commit(change, admin, subject, subject, NULL);
	sanshe_change_free(change);
	return err;
}

static int found_roster(sanshe_store *store, const sanshe_founding *f, const char *org_id,
			sanshe_clock *clock, sanshe_member *admin)
{
	char member_id[SANSHE_UUID_STRLEN + 1], space[SANSHE_SPACE_MAX], subject[512];
	sanshe_change *change = NULL;
	int err;

	if ((err = sanshe_uuid_v7(member_id)) != 0)
		return err;
	snprintf(admin->id, sizeof(admin->id), "%s", member_id);
	snprintf(admin->org, sizeof(admin->org), "%s", org_id);
	snprintf(admin->name, sizeof(admin->name), "%s", f->admin_name);
	admin->roles = SANSHE_ROLE_ADMIN | f->roles;
	snprintf(subject, sizeof(subject), "found %s", f->org_name);
	snprintf(space, sizeof(space), "org/%s", org_id);
	if ((err = sanshe_change_new(&change, store, "trust")) != 0 ||
	    (err = write_founding(change, org_document(f, org_id), admin, clock)) != 0 ||
	    (err = write_founding(change, admin_document(f, org_id, admin->key, member_id),
				  admin, clock)) != 0 ||
	    (err = sanshe_node_commit(change, admin, subject, "init", NULL)) != 0 ||
	    (err = open_space(store, "common", admin)) != 0)
		goto done;
	err = open_space(store, space, admin);
done:
	sanshe_change_free(change);
	return err;
}

static int check_org_id(const char *org_id)
{
	if (!sanshe_doc_id_valid(org_id))
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s' cannot be an org id: 1 to 128 letters, digits, '.', "
					  "'_' or '-', starting with a letter or digit"), org_id);
	return 0;
}

/* Draft (prepare and validate) a founding document; it is then thrown away. */
static int check_founding_doc(cJSON *doc)
{
	sanshe_doc_draft draft;
	int err;

	if (!doc)
		return out_of_memory();
	err = sanshe_doc_draft_new(doc, &draft);
	cJSON_Delete(doc);
	return err;
}

int sanshe_node_founding_check(const sanshe_founding *f)
{
	const char *org_id = f->org_id ? f->org_id : "org";
	sanshe_key *probe = NULL;
	int err;

	if ((err = check_org_id(org_id)) != 0 || (err = sanshe_key_generate(&probe, "probe")) != 0)
		return err;
	if ((err = check_founding_doc(org_document(f, org_id))) == 0)
		err = check_founding_doc(admin_document(f, org_id, probe, "member"));
	sanshe_key_free(probe);
	return err;
}

/* Found the node in `dir`, a new directory. */
static int found_in(const char *dir, const sanshe_founding *f, const char *org_id,
		    sanshe_clock *clock, sanshe_member *admin)
{
	sanshe_store *store = NULL;
	int err;

	if ((err = sanshe_store_create(&store, dir)) == 0 &&
	    (err = sanshe_store_lock(store, SANSHE_STORE_LOCK_WAIT_MS)) == 0)
		err = found_roster(store, f, org_id, clock, admin);
	sanshe_store_free(store);
	return err;
}

/* `path` must not exist, or be an empty directory (which rename replaces). */
static int check_target(const char *path)
{
	sanshe_store *store = NULL;
	int err = sanshe_store_create(&store, path);

	/* create refuses a path in use with the right message; undo the probe */
	if (!err) {
		sanshe_store_free(store);
		sanshe_fs_remove_tree(path, 1);
	}
	return err;
}

int sanshe_node_found(sanshe_store **out, const char *path, const sanshe_founding *f,
		      const sanshe_key *admin_key, sanshe_clock *clock, sanshe_member *member)
{
	char org_id[SANSHE_DOC_ID_MAX + 1];
	sanshe_member admin = { "", "", "", SANSHE_ROLE_ADMIN, admin_key };
	sanshe_buf building = SANSHE_BUF_INIT;
	struct stat st;
	int err, existed = stat(path, &st) == 0;

	*out = NULL;
	if (f->org_id)
		snprintf(org_id, sizeof(org_id), "%s", f->org_id);
	else if ((err = sanshe_uuid_v7(org_id)) != 0)
		return err;
	if ((err = check_org_id(org_id)) != 0 || (err = check_target(path)) != 0)
		return err;
	if (!existed)
		rmdir(path);
	/* made beside it, renamed into place when whole: a kill leaves no half node */
	if ((err = sanshe_buf_printf(&building, "%s.founding-%ld", path, (long)getpid())) != 0)
		return err;
	if ((err = found_in(building.ptr, f, org_id, clock, &admin)) == 0 &&
	    rename(building.ptr, path) != 0)
		err = sanshe_error_set_os(SANSHE_EIO, _("cannot move the new node to '%s'"), path);
	if (err)
		sanshe_fs_remove_tree(building.ptr, 0);
	else if ((err = sanshe_store_open(out, path)) == 0 && member)
		*member = admin;
	sanshe_buf_dispose(&building);
	return err;
}
