/*
 * gen_history DIR [--commits N | --documents N] [--seed S] [--check]
 *             [--home HOME]: make a node repository at DIR (which must not
 * exist) holding a federation's history for `sanshe verify` and `sanshe
 * sync` to work on, as fast as the signatures allow (docs/bench.md).
 *
 * gen_history DIR --append N [--edit-seed E] [--shared K] [--seed S]
 *             [--home HOME]: add a week of N commits to the node DIR that
 * this tool made with seed S (see "A week of edits" below).
 *
 * The trust space is founded as `sanshe init` founds it (an org and its
 * admin; spaces common and org/<id> opened), then a second roster commit
 * adds two more orgs and ten members with their roles.  Then N commits
 * (100,000 by default), each writing two documents as one member whose
 * roles allow them, into one space: a social worker's case and case note,
 * or two case notes, in the worker's organization; a supervisor's two
 * project versions in common; a finance officer's two ledger expenses in
 * common.  Every document version is valid against its schema, signed
 * (`_sig`) by the member writing it, and every commit is signed in git's
 * SSH format by the same member, authored "name <member-id@org-id>" with a
 * `Sanshe-Op: put <type>/<id>` trailer per document.  No merges: they
 * would need the merge engine over objects this tool writes straight into
 * packs.  Cases close with no open referral, expenses stay within their
 * project's budget, and a project's second tranche is paid only after its
 * final evaluation passed, so that the rules of rules.h find nothing.
 *
 * Fast: nothing goes through the store's change machinery (a sync and a
 * ref move per commit).  Documents are signed here, the trees kept in
 * memory and serialized here, and every object appended to a pack written
 * with core/pack.c; each new version of a tree is a delta against its
 * previous version in the same pack (its bytes differ in one entry), so
 * 100,000 commits do not weigh gigabytes of trees.  The refs are set once,
 * at the end.  The same seed gives the same repository, keys included.
 * --documents N stops instead once the spaces hold N documents (about 1.6
 * new documents a commit).
 *
 * --home HOME saves every member's key in the sanshe home HOME, encrypted
 * under SANSHE_PASSPHRASE with the Argon2id cost SANSHE_KDF names
 * ("interactive" when unset), named by the member (wang-li, the admin and
 * founder, is the default; he-fang, the bureau's auditor, may read every
 * space), so that sanshe can run as any of them.
 *
 * A week of edits (--append): the members and their keys are made again
 * from S, the spaces' trees read from the branches, and N commits added
 * from the latest head's time, 10 s to 4 min apart, each one document
 * signed as `sanshe put` signs it: a note on one of the node's cases
 * (55%), a change to one (35%: its risk level, or its client's phone or
 * address) or a new case (10%).  Edit seeds of different parity take the
 * node's cases at alternate positions, so two nodes appended to with
 * seeds 2 and 3 touch different cases, except for K of the changes
 * (--shared, 50 by default), which go to cases drawn from S: the same on
 * every node, so that a merge of two such nodes has documents changed on
 * both sides, some on the same field.
 *
 * Last line on stdout, for scripts: "commits=… versions=… signatures=…
 * seconds=… doc_bytes=… documents=… founder=…" (of what this run wrote;
 * doc_bytes: the mean size of a document version; documents: in the node
 * after it; founder: the fingerprint of the key that founded it).
 */
#include "common.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "canon.h"
#include "doc.h"
#include "key_int.h"
#include "pack.h"
#include "registry.h"
#include "sshsig.h"
#include "store.h"

#define MAX_DEPTH 50			/* longest delta chain of a tree */
#define PACK_BYTES (48u << 20)		/* a pack is installed when this large */
#define BEIJING (8 * 3600)		/* the offices' time zone, +0800 */
#define FOUNDED 1661994000LL		/* 2022-09-01T01:00:00Z */
#define VALID_FROM "2022-09-01T00:00:00Z"
#define WORK_STARTS 1664238600LL	/* 2022-09-27T00:30:00Z: the pilot year */

static void die(const char *what)
{
	fprintf(stderr, "gen_history: %s: %s\n", what, sanshe_error_last());
	exit(1);
}

static void *grow(void *ptr, size_t *alloc, size_t need, size_t size)
{
	if (need <= *alloc)
		return ptr;
	*alloc = need < 16 ? 16 : 2 * need;
	if (!(ptr = realloc(ptr, *alloc * size))) {
		sanshe_error_set(SANSHE_ENOMEM, "out of memory");
		die("growing");
	}
	return ptr;
}

/* ---- randomness: splitmix64, so that a seed gives one history ---- */

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned below(rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

#define PICK(r, list) ((list)[below((r), SANSHE_ARRAY_SIZE(list))])

/* A UUIDv7 of time `ms` with random bits from `r`. */
static void uuid7(char out[37], uint64_t ms, rng *r)
{
	uint64_t a = rng_next(r), b = rng_next(r);
	char text[80];

	snprintf(text, sizeof(text), "%08llx-%04llx-7%03llx-%04llx-%012llx",
		 (unsigned long long)((ms >> 16) & 0xffffffffULL), (unsigned long long)(ms & 0xffff),
		 (unsigned long long)(a & 0xfff), (unsigned long long)(0x8000 | ((a >> 12) & 0x3fff)),
		 (unsigned long long)(b & 0xffffffffffffULL));
	memcpy(out, text, 36);
	out[36] = '\0';
}

/* "YYYY-MM-DD" in Beijing of `t` seconds plus `days`. */
static const char *date_of(char out[16], int64_t t, int days)
{
	time_t at = (time_t)(t + BEIJING + (int64_t)days * 86400);
	struct tm tm;

	gmtime_r(&at, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
	return out;
}

/* ---- a pack of whole objects and tree deltas ---- */

typedef struct packer {
	char objects[4096]; /* "<repo>/objects/" */
	sanshe_buf pack, scratch;
	sanshe_pack_object *objs;
	size_t n, alloc;
	unsigned number;  /* packs installed */
	int empty_tree;	  /* the empty tree is in the current pack */
	size_t objects_written, deltas;
	uint64_t bytes_installed;
} packer;

static void packer_start(packer *p)
{
	sanshe_buf_clear(&p->pack);
	if (sanshe_buf_grow(&p->pack, PACK_BYTES + (1u << 20)) ||
	    sanshe_buf_put(&p->pack, "\0\0\0\0\0\0\0\0\0\0\0\0", SANSHE_PACK_HEADER))
		die("starting a pack");
	p->n = 0;
	p->empty_tree = 0;
}

static void packer_flush(packer *p)
{
	sanshe_buf idx = SANSHE_BUF_INIT;

	if (!p->n)
		return;
	if (sanshe_pack_finish(&p->pack, p->n) || sanshe_pack_index(&idx, &p->pack, p->objs, p->n) ||
	    sanshe_pack_install(p->objects, &p->pack, &idx))
		die("installing a pack");
	p->bytes_installed += p->pack.size + idx.size;
	sanshe_buf_dispose(&idx);
	p->number++;
	packer_start(p);
}

static uint64_t note_object(packer *p, const git_oid *id)
{
	p->objs = grow(p->objs, &p->alloc, p->n + 1, sizeof(*p->objs));
	p->objs[p->n].id = *id;
	p->objs[p->n].offset = p->pack.size;
	p->objects_written++;
	return p->pack.size;
}

/* Append a whole object; returns its entry's offset. */
static uint64_t pack_whole(packer *p, git_object_t type, const void *data, size_t len,
			   const git_oid *id)
{
	uint64_t offset = note_object(p, id);

	if (sanshe_pack_entry(&p->pack, type, data, len, 1, &p->objs[p->n].crc))
		die("packing an object");
	p->n++;
	return offset;
}

/* The git delta of `dst` against `src`: their common prefix and suffix
 * copied, the bytes between inserted (a tree changes in one entry). */
static void make_delta(sanshe_buf *out, const sanshe_buf *src, const sanshe_buf *dst)
{
	const unsigned char *s = (const unsigned char *)src->ptr, *d = (const unsigned char *)dst->ptr;
	size_t pre = 0, suf = 0, sizes[2] = { src->size, dst->size };
	size_t copies[2][2];

	while (pre < src->size && pre < dst->size && s[pre] == d[pre])
		pre++;
	while (suf < src->size - pre && suf < dst->size - pre &&
	       s[src->size - 1 - suf] == d[dst->size - 1 - suf])
		suf++;
	sanshe_buf_clear(out);
	for (int i = 0; i < 2; i++)
		for (size_t v = sizes[i];; v >>= 7) {
			sanshe_buf_putc(out, (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
			if (v <= 0x7f)
				break;
		}
	copies[0][0] = 0, copies[0][1] = pre;
	copies[1][0] = src->size - suf, copies[1][1] = suf;
	for (int c = 0; c < 2; c++) {
		for (size_t off = copies[c][0], left = copies[c][1]; left;) {
			size_t len = left > 0xffff ? 0xffff : left;
			unsigned char op[8];
			int k = 1;

			op[0] = 0x80;
			for (int b = 0; b < 4; b++)
				if ((off >> (8 * b)) & 0xff)
					op[0] |= (unsigned char)(1 << b), op[k++] = (off >> (8 * b)) & 0xff;
			for (int b = 0; b < 2; b++)
				if ((len >> (8 * b)) & 0xff)
					op[0] |= (unsigned char)(0x10 << b), op[k++] = (len >> (8 * b)) & 0xff;
			sanshe_buf_put(out, op, (size_t)k);
			off += len, left -= len;
		}
		if (c == 0)
			for (size_t at = pre, left = dst->size - pre - suf; left;) {
				size_t len = left > 127 ? 127 : left;

				sanshe_buf_putc(out, (char)len);
				sanshe_buf_put(out, d + at, len);
				at += len, left -= len;
			}
	}
	if (!out->ptr)
		die("making a delta");
}

/* The OFS_DELTA header of a `len`-byte delta whose base is `rel` bytes back. */
static size_t delta_header(unsigned char head[32], size_t len, uint64_t rel)
{
	unsigned char ofs[16];
	size_t n = 0, o = sizeof(ofs) - 1;

	head[n++] = (unsigned char)(0x60 | (len & 0x0f) | (len > 0x0f ? 0x80 : 0));
	for (len >>= 4; len; len >>= 7)
		head[n++] = (unsigned char)((len & 0x7f) | (len > 0x7f ? 0x80 : 0));
	/* the distance, big-endian, each further byte counting one less */
	ofs[o] = rel & 0x7f;
	while (rel >>= 7)
		ofs[--o] = (unsigned char)(0x80 | (--rel & 0x7f));
	memcpy(head + n, ofs + o, sizeof(ofs) - o);
	return n + sizeof(ofs) - o;
}

/* Append an OFS_DELTA entry of `id` against the entry at `base`. */
static uint64_t pack_delta(packer *p, uint64_t base, const sanshe_buf *delta, const git_oid *id)
{
	uint64_t offset = note_object(p, id);
	unsigned char head[32];
	size_t n = delta_header(head, delta->size, offset - base);
	uLongf zlen = compressBound((uLong)delta->size);

	if (sanshe_buf_grow(&p->pack, n + zlen))
		die("packing a delta");
	memcpy(p->pack.ptr + p->pack.size, head, n);
	if (compress2((Bytef *)p->pack.ptr + p->pack.size + n, &zlen, (const Bytef *)delta->ptr,
		      (uLong)delta->size, 1) != Z_OK)
		die("compressing a delta");
	p->objs[p->n].crc = (uint32_t)crc32_z(0, (const Bytef *)p->pack.ptr + p->pack.size, n + zlen);
	p->pack.size += n + zlen;
	p->n++;
	p->deltas++;
	return offset;
}

/* ---- trees, kept in memory ---- */

/* One version of a tree as last written: the base of its next delta. */
typedef struct slot {
	git_oid id;
	sanshe_buf text;
	uint64_t offset;
	unsigned pack, depth;
	int written, dirty;
} slot;

typedef struct file {
	char name[SANSHE_DOC_ID_MAX + 8];
	git_oid blob;
} file;

typedef struct shard {
	file *files;
	size_t n, alloc;
	slot tree;
} shard;

typedef struct folder {
	const char *type;
	shard shards[256];
	slot tree;
	size_t docs;
} folder;

typedef struct space {
	char name[SANSHE_DOC_ID_MAX + 8];
	folder folders[2]; /* in git's order of tree entries */
	slot root;
	git_oid head;
	int has_head;
} space;

/* Write `text` as the tree of `s`, whole or as a delta on its last version. */
static void write_tree(packer *p, slot *s, sanshe_buf *text)
{
	sanshe_buf swap;
	git_oid id;

	if (git_odb_hash(&id, text->ptr ? text->ptr : "", text->size, GIT_OBJECT_TREE) < 0)
		die("hashing a tree");
	s->dirty = 0;
	if (s->written && git_oid_equal(&id, &s->id))
		return;
	if (text->size == 0) {
		if (!p->empty_tree)
			pack_whole(p, GIT_OBJECT_TREE, "", 0, &id);
		p->empty_tree = 1;
		s->written = 0;
	} else if (s->written && s->pack == p->number && s->depth < MAX_DEPTH) {
		make_delta(&p->scratch, &s->text, text);
		s->offset = pack_delta(p, s->offset, &p->scratch, &id);
		s->depth++;
	} else {
		s->offset = pack_whole(p, GIT_OBJECT_TREE, text->ptr, text->size, &id);
		s->depth = 0;
		s->written = 1;
	}
	s->id = id;
	s->pack = p->number;
	swap = s->text;
	s->text = *text;
	*text = swap;
}

static void put_entry(sanshe_buf *out, const char *mode, const char *name, const git_oid *id)
{
	if (sanshe_buf_puts(out, mode) || sanshe_buf_putc(out, ' ') ||
	    sanshe_buf_put(out, name, strlen(name) + 1) || sanshe_buf_put(out, id->id, GIT_OID_RAWSZ))
		die("writing a tree");
}

/* Rewrite the dirty trees of `sp` bottom up; the root's id is sp->root.id. */
static void write_trees(packer *p, space *sp)
{
	sanshe_buf text = SANSHE_BUF_INIT;
	char hex[3];

	for (int f = 0; f < 2; f++) {
		folder *fo = &sp->folders[f];

		for (int i = 0; i < 256 && fo->tree.dirty; i++) {
			shard *sh = &fo->shards[i];

			if (!sh->tree.dirty)
				continue;
			sanshe_buf_clear(&text);
			for (size_t e = 0; e < sh->n; e++)
				put_entry(&text, "100644", sh->files[e].name, &sh->files[e].blob);
			write_tree(p, &sh->tree, &text);
		}
		if (!fo->tree.dirty)
			continue;
		sanshe_buf_clear(&text);
		for (int i = 0; i < 256; i++)
			if (fo->shards[i].n) {
				snprintf(hex, sizeof(hex), "%02x", i);
				put_entry(&text, "40000", hex, &fo->shards[i].tree.id);
			}
		write_tree(p, &fo->tree, &text);
	}
	sanshe_buf_clear(&text);
	for (int f = 0; f < 2; f++)
		if (sp->folders[f].docs)
			put_entry(&text, "40000", sp->folders[f].type, &sp->folders[f].tree.id);
	write_tree(p, &sp->root, &text);
	sanshe_buf_dispose(&text);
}

/*
 * Where `type`/<shard>/`id`.json is in `sp`, or would go: its folder, its
 * shard and its index there.  1 when it is there, 0 when it is not.
 */
static int locate(space *sp, const char *type, const char *id, folder **fo, shard **sh,
		  size_t *at)
{
	sanshe_buf path = SANSHE_BUF_INIT;
	size_t lo = 0, hi;
	char name[sizeof(((file *)0)->name)];

	*fo = strcmp(sp->folders[0].type, type) == 0 ? &sp->folders[0] : &sp->folders[1];
	if (strcmp((*fo)->type, type) != 0 || sanshe_store_doc_path(&path, type, id))
		die("placing a document");
	*sh = &(*fo)->shards[strtoul(path.ptr + strlen(type) + 1, NULL, 16) & 0xff];
	sanshe_buf_dispose(&path);
	snprintf(name, sizeof(name), "%s.json", id);
	for (hi = (*sh)->n; lo < hi;) {
		size_t mid = (lo + hi) / 2;

		if (strcmp((*sh)->files[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < (*sh)->n && strcmp((*sh)->files[lo].name, name) == 0;
}

/* Put the blob `blob` at `type`/<shard>/`id`.json in `sp` (new or replaced). */
static void put_file(space *sp, const char *type, const char *id, const git_oid *blob)
{
	folder *fo;
	shard *sh;
	size_t at;

	if (!locate(sp, type, id, &fo, &sh, &at)) {
		sh->files = grow(sh->files, &sh->alloc, sh->n + 1, sizeof(*sh->files));
		memmove(sh->files + at + 1, sh->files + at, (sh->n - at) * sizeof(*sh->files));
		snprintf(sh->files[at].name, sizeof(sh->files[at].name), "%s.json", id);
		sh->n++;
		fo->docs++;
	}
	sh->files[at].blob = *blob;
	sh->tree.dirty = fo->tree.dirty = sp->root.dirty = 1;
}

/* Documents in `sp`. */
static size_t space_docs(const space *sp)
{
	return sp->folders[0].docs + sp->folders[1].docs;
}

/* ---- the federation ---- */

#define ORG_AGENCY "lzcg-tongxin"
#define ORG_COMMUNITY "lzcg-lanyuan"
#define ORG_BUREAU "lzcg-mzj"

static const struct {
	const char *id, *name, *short_name, *kind, *address, *phone;
} orgs[] = {
	{ ORG_AGENCY, "兰州市城关区同心社会工作服务中心", "同心社工", "agency",
	  "兰州市城关区东岗西路街道兰园社区服务中心二楼", "0931-8461234" },
	{ ORG_COMMUNITY, "兰州市城关区东岗西路街道兰园社区居民委员会", "兰园社区", "community",
	  "兰州市城关区东岗西路兰园小区1号楼", "0931-8827001" },
	{ ORG_BUREAU, "兰州市城关区民政局", "城关区民政局", "bureau",
	  "兰州市城关区张掖路街道中街子12号", "0931-8456710" },
};

enum { ADMIN, SW1, SW2, SW3, SUPERVISOR, FIN_A, COORD, CW1, CW2, FIN_B, AUDITOR, STAFF };

/* `key`: the name of the member's key in a home written by --home. */
static const struct {
	const char *name, *key, *org, *roles[2], *certification;
} staff[STAFF] = {
	[ADMIN] = { "王丽", "wang-li", ORG_AGENCY, { "admin" }, NULL },
	[SW1] = { "李娜", "li-na", ORG_AGENCY, { "social-worker" }, "intermediate" },
	[SW2] = { "张伟", "zhang-wei", ORG_AGENCY, { "social-worker" }, "assistant" },
	[SW3] = { "刘洋", "liu-yang", ORG_AGENCY, { "social-worker" }, "assistant" },
	[SUPERVISOR] = { "赵敏", "zhao-min", ORG_AGENCY, { "supervisor", "social-worker" },
			 "intermediate" },
	[FIN_A] = { "陈静", "chen-jing", ORG_AGENCY, { "finance" }, NULL },
	[COORD] = { "杨帆", "yang-fan", ORG_AGENCY, { "coordinator" }, NULL },
	[CW1] = { "马建国", "ma-jianguo", ORG_COMMUNITY, { "community-worker" }, NULL },
	[CW2] = { "周婷", "zhou-ting", ORG_COMMUNITY, { "community-worker" }, "assistant" },
	[FIN_B] = { "孙磊", "sun-lei", ORG_COMMUNITY, { "finance" }, NULL },
	[AUDITOR] = { "何芳", "he-fang", ORG_BUREAU, { "auditor" }, NULL },
};

/* Who writes case files in each organization's space. */
static const int agency_workers[] = { SW1, SW2, SW3, SUPERVISOR };
static const int community_workers[] = { CW1, CW2 };

typedef struct member {
	char id[37], email[80];
	uint64_t key_from; /* what member_key made its key from */
	sanshe_key *key;
} member;

typedef struct case_state {
	char id[37];
	uint64_t seed;
	int64_t opened; /* seconds */
	unsigned char org, worker, status, version;
} case_state;

typedef struct project_state {
	char id[37];
	uint64_t seed;
	int64_t created;
	unsigned stage, reports;
	uint64_t budget[5], spent[5];
} project_state;

/* A case of the node appended to (--append), which a weekly edit may change. */
typedef struct known_case {
	char id[SANSHE_DOC_ID_MAX + 1];
	int org;
	sanshe_buf latest; /* its text once changed here (the pack is not installed yet) */
} known_case;

typedef struct gen {
	rng r;
	packer p;
	member members[STAFF];
	space spaces[5]; /* trust, common, org/agency, org/community, org/bureau */
	case_state *cases;
	size_t ncases, acases, open_cases[2];
	project_state *projects;
	size_t nprojects, aprojects;
	int64_t now; /* the commit being made, seconds */
	unsigned in_commit;
	int check;
	size_t commits, versions;
	uint64_t doc_bytes;
	sanshe_buf subject, trailers; /* of the commit being made */
	sanshe_buf commit, armor;
	sanshe_buf last_doc; /* the text of the version write_doc wrote last */
	/* --append: the node's repository (borrowed) and its cases */
	git_repository *repo;
	known_case *known;
	size_t nknown, aknown;
	size_t changed, shared, noted, opened; /* what the appended commits did */
} gen;

enum { TRUST, COMMON, SPACE_AGENCY, SPACE_COMMUNITY, SPACE_BUREAU };

static space *org_space(gen *g, int org)
{
	return &g->spaces[SPACE_AGENCY + org];
}

static void space_init(space *sp, const char *name, const char *a, const char *b)
{
	snprintf(sp->name, sizeof(sp->name), "%s", name);
	sp->folders[0].type = a;
	sp->folders[1].type = b;
}

/*
 * The key of member `i`, called `name`: its seed is a hash of the run's seed
 * and `i`.  The roster's copy is called "member-<i>" (the comment of its
 * OpenSSH line); a home's copy is called as the staff table says.
 */
static sanshe_key *member_key(uint64_t seed, int i, const char *name)
{
	unsigned char in[16], key_seed[SANSHE_KEY_SEED_BYTES], pk[crypto_sign_PUBLICKEYBYTES],
		sk[crypto_sign_SECRETKEYBYTES];
	sanshe_key *key = NULL;

	memcpy(in, &seed, 8);
	memset(in + 8, i, 8);
	crypto_generichash(key_seed, sizeof(key_seed), in, sizeof(in), NULL, 0);
	crypto_sign_seed_keypair(pk, sk, key_seed);
	if (sanshe_key__new(&key, name, pk) || sanshe_key__unlock_with_seed(key, key_seed))
		die("making a key");
	sodium_memzero(key_seed, sizeof(key_seed));
	sodium_memzero(sk, sizeof(sk));
	return key;
}

/* ---- documents ---- */

static cJSON *obj(cJSON *parent, const char *name)
{
	cJSON *o = parent ? cJSON_AddObjectToObject(parent, name) : cJSON_CreateObject();

	if (!o) {
		sanshe_error_set(SANSHE_ENOMEM, "out of memory");
		die("building a document");
	}
	return o;
}

static void str(cJSON *o, const char *name, const char *value)
{
	if (!(cJSON_IsArray(o) ? cJSON_AddItemToArray(o, cJSON_CreateString(value))
			       : cJSON_AddStringToObject(o, name, value) != NULL)) {
		sanshe_error_set(SANSHE_ENOMEM, "out of memory");
		die("building a document");
	}
}

static void num(cJSON *o, const char *name, double value)
{
	if (!cJSON_AddNumberToObject(o, name, value)) {
		sanshe_error_set(SANSHE_ENOMEM, "out of memory");
		die("building a document");
	}
}

static cJSON *arr(cJSON *o, const char *name)
{
	cJSON *a = cJSON_AddArrayToObject(o, name);

	if (!a) {
		sanshe_error_set(SANSHE_ENOMEM, "out of memory");
		die("building a document");
	}
	return a;
}

static cJSON *item(cJSON *array)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(array, o)) {
		sanshe_error_set(SANSHE_ENOMEM, "out of memory");
		die("building a document");
	}
	return o;
}

static cJSON *new_doc(const char *type, const char *id)
{
	cJSON *doc = obj(NULL, NULL);

	str(doc, "type", type);
	str(doc, "id", id);
	return doc;
}

/*
 * Sign `doc` as member `m` of `g`'s commit, write its blob and put it in
 * `sp`; appends its "Sanshe-Op" trailer to the message.  Frees `doc`.
 */
static void write_doc(gen *g, space *sp, int m, cJSON *doc)
{
	sanshe_hlc at = { (uint64_t)g->now * 1000 - 2000 + 10 * g->in_commit++, 0 };
	sanshe_buf text = SANSHE_BUF_INIT;
	const sanshe_type *type;
	const char *id;
	git_oid blob;

	if (sanshe_doc_prepare(doc, &type) || (g->check && sanshe_doc_validate(doc, NULL, NULL)) ||
	    sanshe_doc_sign(doc, g->members[m].key, &at) || sanshe_canon_write(&text, doc))
		die("signing a document");
	id = cJSON_GetObjectItemCaseSensitive(doc, "id")->valuestring;
	if (git_odb_hash(&blob, text.ptr, text.size, GIT_OBJECT_BLOB) < 0)
		die("hashing a document");
	pack_whole(&g->p, GIT_OBJECT_BLOB, text.ptr, text.size, &blob);
	put_file(sp, type->name, id, &blob);
	if (sanshe_buf_printf(&g->subject, "%s%s/%s", g->subject.size ? ", " : "put ", type->name,
			      id) ||
	    sanshe_buf_printf(&g->trailers, "Sanshe-Op: put %s/%s\n", type->name, id))
		die("writing a message");
	g->versions++;
	g->doc_bytes += text.size;
	sanshe_buf_dispose(&g->last_doc);
	g->last_doc = text;
	cJSON_Delete(doc);
}

/* ---- commits ---- */

/*
 * Commit what was put into `sp` as member `m` at g->now, signed (SSHSIG,
 * namespace git) into its gpgsig header as git_commit_create_with_signature
 * writes it: "gpgsig " and the armor, each further line indented by a space.
 */
static void write_commit(gen *g, space *sp, int m, const char *subject, const char *op)
{
	const member *who = &g->members[m];
	char tree[GIT_OID_HEXSZ + 1], parent[GIT_OID_HEXSZ + 1];
	sanshe_buf *c = &g->commit, *armor = &g->armor, signed_commit = SANSHE_BUF_INIT;
	const char *body;
	git_oid id;
	int err;

	write_trees(&g->p, sp);
	git_oid_tostr(tree, sizeof(tree), &sp->root.id);
	git_oid_tostr(parent, sizeof(parent), &sp->head);
	sanshe_buf_clear(c);
	sanshe_buf_clear(armor);
	err = sanshe_buf_printf(c, "tree %s\n", tree);
	if (!err && sp->has_head)
		err = sanshe_buf_printf(c, "parent %s\n", parent);
	for (int i = 0; !err && i < 2; i++)
		err = sanshe_buf_printf(c, "%s %s <%s> %lld +0800\n", i ? "committer" : "author",
					staff[m].name, who->email, (long long)g->now);
	if (!err)
		err = sanshe_buf_printf(c, "\n%s\n\n%s", subject ? subject : g->subject.ptr,
					op ? op : g->trailers.ptr);
	if (err || sanshe_sshsig_sign(armor, who->key, "git", c->ptr, c->size))
		die("signing a commit");
	body = strstr(c->ptr, "\n\n") + 1;
	err = sanshe_buf_put(&signed_commit, c->ptr, (size_t)(body - c->ptr)) ||
	      sanshe_buf_puts(&signed_commit, "gpgsig ");
	for (const char *a = armor->ptr; !err && *a; a++)
		err = *a == '\n' ? sanshe_buf_puts(&signed_commit, "\n ")
				 : sanshe_buf_putc(&signed_commit, *a);
	if (err || sanshe_buf_putc(&signed_commit, '\n') || sanshe_buf_puts(&signed_commit, body) ||
	    git_odb_hash(&id, signed_commit.ptr, signed_commit.size, GIT_OBJECT_COMMIT) < 0)
		die("writing a commit");
	pack_whole(&g->p, GIT_OBJECT_COMMIT, signed_commit.ptr, signed_commit.size, &id);
	sanshe_buf_dispose(&signed_commit);
	sp->head = id;
	sp->has_head = 1;
	g->commits++;
	g->in_commit = 0;
	sanshe_buf_clear(&g->subject);
	sanshe_buf_clear(&g->trailers);
	if (g->p.pack.size >= PACK_BYTES)
		packer_flush(&g->p);
}

/* An empty commit that makes the space's branch, as sanshe init does. */
static void open_space(gen *g, space *sp)
{
	char subject[SANSHE_DOC_ID_MAX + 32], op[SANSHE_DOC_ID_MAX + 48];

	snprintf(subject, sizeof(subject), "open space %s", sp->name);
	snprintf(op, sizeof(op), "Sanshe-Op: %s\n", subject);
	write_commit(g, sp, ADMIN, subject, op);
}

/* ---- the roster ---- */

static cJSON *org_doc(int i)
{
	cJSON *doc = new_doc("org", orgs[i].id), *contact;

	str(doc, "name", orgs[i].name);
	str(doc, "short_name", orgs[i].short_name);
	str(doc, "kind", orgs[i].kind);
	str(doc, "address", orgs[i].address);
	contact = obj(doc, "contact");
	str(contact, "phone", orgs[i].phone);
	if (strcmp(orgs[i].id, ORG_AGENCY) == 0) {
		str(doc, "parent", ORG_BUREAU);
		str(arr(doc, "reader_roles"), NULL, "auditor");
		str(arr(doc, "readers"), NULL, ORG_COMMUNITY);
	} else if (strcmp(orgs[i].id, ORG_COMMUNITY) == 0) {
		str(doc, "parent", ORG_BUREAU);
		str(arr(doc, "reader_roles"), NULL, "auditor");
	}
	return doc;
}

static cJSON *member_doc(gen *g, int m)
{
	sanshe_buf line = SANSHE_BUF_INIT;
	cJSON *doc = new_doc("member", g->members[m].id), *roles;

	str(doc, "name", staff[m].name);
	str(doc, "kind", "person");
	str(doc, "org", staff[m].org);
	roles = arr(doc, "roles");
	for (int r = 0; r < 2 && staff[m].roles[r]; r++)
		str(roles, NULL, staff[m].roles[r]);
	if (sanshe_key_openssh(g->members[m].key, &line))
		die("writing a key");
	str(doc, "key", line.ptr);
	str(doc, "fingerprint", sanshe_key_fingerprint(g->members[m].key));
	if (staff[m].certification)
		str(doc, "certification", staff[m].certification);
	str(doc, "valid_from", VALID_FROM);
	sanshe_buf_dispose(&line);
	return doc;
}

/* The members' ids and keys: the first draws of the run's seed. */
static void make_members(gen *g)
{
	char name[16];

	for (int m = 0; m < STAFF; m++) {
		uuid7(g->members[m].id, (uint64_t)FOUNDED * 1000 - 86400000 + (uint64_t)m, &g->r);
		g->members[m].key_from = g->r.s;
		snprintf(name, sizeof(name), "member-%d", m);
		g->members[m].key = member_key(g->r.s, m, name);
		snprintf(g->members[m].email, sizeof(g->members[m].email), "%s@%s",
			 g->members[m].id, staff[m].org);
	}
}

/*
 * Save every member's key in the sanshe home `home`, as `sanshe key new`
 * would (names from the staff table; the admin's is the default), under
 * SANSHE_PASSPHRASE with the Argon2id limits SANSHE_KDF names
 * ("interactive" when unset), so that sanshe can run as any member.
 */
static void save_keys(const gen *g, const char *home)
{
	const char *passphrase = getenv("SANSHE_PASSPHRASE"), *kdf = getenv("SANSHE_KDF");
	sanshe_kdf_limits limits;

	if (!passphrase || !*passphrase) {
		sanshe_error_set(SANSHE_EINVALID, "set SANSHE_PASSPHRASE for the keys");
		die(home);
	}
	if (sanshe_kdf_limits_named(&limits, kdf && *kdf ? kdf : "interactive"))
		die("SANSHE_KDF");
	for (int m = 0; m < STAFF; m++) {
		sanshe_key *key = member_key(g->members[m].key_from, m, staff[m].key);

		if (sanshe_key_save(key, home, passphrase, &limits))
			die(home);
		sanshe_key_free(key);
	}
}

/* The founding (org, admin; spaces opened), then the rest of the roster. */
static void found(gen *g)
{
	char subject[256];

	make_members(g);
	g->now = FOUNDED;
	write_doc(g, &g->spaces[TRUST], ADMIN, org_doc(0));
	write_doc(g, &g->spaces[TRUST], ADMIN, member_doc(g, ADMIN));
	snprintf(subject, sizeof(subject), "found %s", orgs[0].name);
	write_commit(g, &g->spaces[TRUST], ADMIN, subject, "Sanshe-Op: init\n");
	g->now += 2;
	open_space(g, &g->spaces[COMMON]);
	g->now += 2;
	open_space(g, &g->spaces[SPACE_AGENCY]);
	g->now += 600;
	write_doc(g, &g->spaces[TRUST], ADMIN, org_doc(1));
	write_doc(g, &g->spaces[TRUST], ADMIN, org_doc(2));
	for (int m = ADMIN + 1; m < STAFF; m++)
		write_doc(g, &g->spaces[TRUST], ADMIN, member_doc(g, m));
	write_commit(g, &g->spaces[TRUST], ADMIN, "add 2 organizations and 10 members", NULL);
	g->now += 60;
	open_space(g, &g->spaces[SPACE_COMMUNITY]);
	g->now += 2;
	open_space(g, &g->spaces[SPACE_BUREAU]);
}

/* ---- case work ---- */

static const char *const surnames[] = { "马", "王", "李", "张", "刘", "陈", "杨", "赵",
					"黄", "周", "吴", "徐", "孙", "胡", "朱", "高" };
static const char *const given[] = { "秀兰", "桂英", "建华", "玉梅", "志强", "淑珍", "海燕",
				     "国庆", "小龙", "佳怡", "子涵", "文博", "丽娟", "德明" };
static const char *const streets[] = { "东岗西路兰园小区", "东岗西路团结新村", "雁南路雁苑小区",
				       "焦家湾路铁路新村", "拱星墩路民乐小区" };
static const char *const relations[] = { "女儿", "儿子", "侄女", "外甥", "邻居" };
static const char *const kinds[] = { "companionship", "home-care", "psychological",
				     "social-participation", "health", "education", "material" };
static const struct {
	const char *category;
	int born_from, born_span;
	const char *summary;
} clients[] = {
	{ "elderly-alone", 1936, 15,
	  "丧偶独居，享受城市低保。患高血压和慢性支气管炎，上下楼困难，近两月很少出门。"
	  "子女在外地工作，每月电话联系两三次。自述夜里睡不好、常感孤单，冬季取暖和就医陪同有困难。" },
	{ "left-behind-child", 2009, 8,
	  "父母在外务工，随祖母生活。学习成绩下滑，放学后常独自在家看手机，与同学交往少。"
	  "祖母年迈，辅导作业和心理疏导力不从心，希望有人陪伴孩子学习。" },
	{ "disabled", 1965, 30,
	  "肢体二级残疾，依靠轮椅出行，家住无电梯老楼。家庭收入以残疾人两项补贴为主，"
	  "希望得到康复训练指导和就业帮扶，并申请居家无障碍改造。" },
	{ "low-income", 1970, 20,
	  "低保家庭，户主失业，配偶长期患病需要服药，孩子在读初中。家庭债务较重，"
	  "希望了解临时救助政策并得到就业信息，孩子需要课业辅导。" },
	{ "lost-only-child", 1950, 12,
	  "失独家庭，老两口相依为命。情绪低落，很少参加社区活动，对未来养老十分担忧，"
	  "希望有人定期上门聊天，并了解养老服务和医疗报销政策。" },
};
static const char *const note_texts[] = {
	"入户走访，服务对象精神尚可，血压偏高，已提醒按时服药并做好记录。",
	"与志愿者一同上门，帮助整理房间、检查燃气和电器安全，发现卧室窗户漏风，已联系网格员维修。",
	"电话回访，服务对象表示最近睡眠有所改善，愿意参加本月社区组织的茶话会。",
	"陪同到社区卫生服务站复诊，家庭医生调整了用药，约定下月上门随访。",
	"召开个案会议，与社区、学校老师沟通服务计划，明确各方分工和下一步安排。",
	"协助申请临时救助，材料已递交街道民政办，预计两周内有结果。",
	"开展小组活动，服务对象主动分享了自己的经历，与其他组员建立了联系。",
	"评估服务计划进展，大部分目标已达成，商定下一阶段以巩固社会支持网络为主。",
};
static const char *const statuses[] = { "open", "assessed", "in-service", "referred", "closed" };

static const char *worker_id(gen *g, const case_state *c)
{
	return g->members[c->worker].id;
}

/* Case `c` as of its current status; its client is drawn from its own seed. */
static cJSON *case_doc(gen *g, const case_state *c)
{
	rng r = { c->seed };
	unsigned kind = below(&r, SANSHE_ARRAY_SIZE(clients));
	char name[64], text[512], date[16];
	cJSON *doc = new_doc("case", c->id), *o, *a;

	snprintf(name, sizeof(name), "%s%s", PICK(&r, surnames), PICK(&r, given));
	str(doc, "unit", "person");
	o = obj(doc, "client");
	str(o, "name", name);
	str(o, "gender", below(&r, 2) ? "female" : "male");
	snprintf(date, sizeof(date), "%04d-%02u-%02u", clients[kind].born_from +
		 (int)below(&r, (unsigned)clients[kind].born_span), 1 + below(&r, 12), 1 + below(&r, 28));
	str(o, "birth_date", date);
	snprintf(text, sizeof(text), "1%u%09u", 3 + below(&r, 7), below(&r, 1000000000));
	str(o, "phone", text);
	snprintf(text, sizeof(text), "兰州市城关区%s%u号楼%u单元%u室", PICK(&r, streets),
		 1 + below(&r, 30), 1 + below(&r, 6), 101 + below(&r, 6) * 100 + below(&r, 4));
	str(o, "address", text);
	str(o, "community", ORG_COMMUNITY);
	num(o, "household_size", 1 + below(&r, 4));
	a = obj(o, "emergency_contact");
	snprintf(name, sizeof(name), "%s%s", PICK(&r, surnames), PICK(&r, given));
	str(a, "name", name);
	str(a, "relation", PICK(&r, relations));
	snprintf(text, sizeof(text), "1%u%09u", 3 + below(&r, 7), below(&r, 1000000000));
	str(a, "phone", text);
	a = arr(doc, "categories");
	str(a, NULL, clients[kind].category);
	if (kind != 3 && below(&r, 2))
		str(a, NULL, "low-income");
	str(doc, "risk_level", PICK(&r, ((const char *const[]){ "low", "medium", "medium", "high" })));
	o = obj(doc, "consent");
	cJSON_AddBoolToObject(o, "given", 1);
	str(o, "date", date_of(date, c->opened, 0));
	str(o, "by", kind == 1 ? "guardian" : "client");
	if (c->status >= 1) {
		o = obj(doc, "needs_assessment");
		str(o, "date", date_of(date, c->opened, 7));
		str(o, "assessor", worker_id(g, c));
		str(o, "summary", clients[kind].summary);
		a = arr(o, "needs");
		str(a, NULL, kinds[kind]);
		str(a, NULL, kinds[(kind + 3) % SANSHE_ARRAY_SIZE(kinds)]);
	}
	if (c->status >= 2) {
		o = obj(doc, "service_plan");
		a = arr(o, "goals");
		str(a, NULL, "每周至少一次探访或电话联系，建立稳定的支持关系");
		str(a, NULL, "链接社区和政策资源，解决最迫切的生活困难");
		a = item(arr(o, "interventions"));
		str(a, "id", "iv-01");
		str(a, "kind", kinds[kind]);
		str(a, "description", "社工与志愿者结对探访，陪伴、了解身体和生活状况，记录变化");
		str(a, "frequency", "每周一次");
		str(a, "start", date_of(date, c->opened, 14));
		str(o, "review_date", date_of(date, c->opened, 90 + 30 * c->version));
	}
	str(doc, "assigned_worker", worker_id(g, c));
	str(doc, "status", statuses[c->status]);
	if (c->status >= 3) {
		o = item(arr(doc, "referrals"));
		str(o, "id", "rf-01");
		str(o, "to", "东岗西路街道社区卫生服务中心");
		str(o, "reason", "慢病管理，签约家庭医生");
		str(o, "date", date_of(date, c->opened, 30));
		str(o, "status", c->status == 4 ? "completed" : "accepted");
	}
	str(doc, "opened", date_of(date, c->opened, 0));
	if (c->status == 4) {
		str(doc, "closed", date_of(date, g->now, 0));
		str(doc, "closure_reason", "goals-met");
	}
	return doc;
}

static cJSON *note_doc(gen *g, const case_state *c, int author)
{
	char id[37], date[16], text[1024];
	cJSON *doc;
	unsigned first = below(&g->r, SANSHE_ARRAY_SIZE(note_texts));

	uuid7(id, (uint64_t)g->now * 1000, &g->r);
	doc = new_doc("case-note", id);
	str(doc, "case", c->id);
	str(doc, "date", date_of(date, g->now, 0));
	str(doc, "kind", PICK(&g->r, ((const char *const[]){ "home-visit", "home-visit",
							      "phone-call", "office-visit",
							      "group-session", "review" })));
	snprintf(text, sizeof(text), "%s%s", note_texts[first],
		 note_texts[(first + 1 + below(&g->r, 7)) % SANSHE_ARRAY_SIZE(note_texts)]);
	str(doc, "text", text);
	num(doc, "minutes", 15 + 5 * below(&g->r, 18));
	str(doc, "author", g->members[author].id);
	if (below(&g->r, 2))
		str(doc, "follow_up", date_of(date, g->now, 7));
	return doc;
}

/* A new case of organization `org`, opened by `author`, written into its space. */
static case_state *open_case(gen *g, int org, int author)
{
	case_state *c;

	g->cases = grow(g->cases, &g->acases, g->ncases + 1, sizeof(*g->cases));
	c = &g->cases[g->ncases++];
	memset(c, 0, sizeof(*c));
	uuid7(c->id, (uint64_t)g->now * 1000, &g->r);
	c->seed = rng_next(&g->r);
	c->opened = g->now;
	c->org = (unsigned char)org;
	c->worker = (unsigned char)author;
	g->open_cases[org]++;
	write_doc(g, org_space(g, org), author, case_doc(g, c));
	return c;
}

/* A worker of organization `org` (0 agency, 1 community) writes case files. */
static void case_work(gen *g, int org)
{
	int author = org ? PICK(&g->r, community_workers) : PICK(&g->r, agency_workers);
	space *sp = org_space(g, org);
	unsigned roll = below(&g->r, 100);
	case_state *c = NULL;

	if (g->ncases)
		for (int tries = 0; tries < 8 && !c; tries++) {
			c = &g->cases[below(&g->r, (unsigned)g->ncases)];
			if (c->org != org)
				c = NULL;
		}
	if (!c || roll < 22 || g->open_cases[org] < 20) {
		c = open_case(g, org, author);
	} else if (roll < 55 && c->status < 4) {
		if (c->status < 2 || below(&g->r, 3) == 0)
			c->status++;
		else
			c->version++;
		if (c->status == 4)
			g->open_cases[org]--;
		write_doc(g, sp, author, case_doc(g, c));
	} else {
		write_doc(g, sp, author, note_doc(g, c, author));
	}
	write_doc(g, sp, author, note_doc(g, c, author));
	write_commit(g, sp, author, NULL, NULL);
}

/* ---- projects and ledgers ---- */

static const char *const stages[] = { "proposed", "approved", "publicized", "contracted",
				      "in-progress", "mid-evaluated", "final-evaluated", "closed" };
static const char *const categories[5] = { "staff", "services", "training", "evaluation_audit",
					   "administration" };
/* Lanzhou 2022: 300,000 yuan a community and year, in fen */
static const uint64_t lanzhou_budget[5] = { 16000000, 8000000, 1500000, 1500000, 3000000 };
static const char *const themes[] = { "“三社联动”社会工作服务", "独居老人关爱", "困境儿童成长陪伴",
				      "残疾人康复与就业支持", "社区志愿服务培育" };
static const struct {
	const char *counterparty, *note;
} payees[5] = {
	{ "驻点社工（工资及社保）", "驻点社工月度工资及社会保险" },
	{ "兰园社区助老志愿服务队", "探访、小组活动物资及志愿者交通补贴" },
	{ "兰州市城关区社会工作协会", "社工专业培训讲课费及场地费" },
	{ "甘肃明德社会工作评估中心", "项目评估及审计服务费" },
	{ "兰州市城关区办公用品商店", "办公耗材、打印及通讯费用" },
};

static cJSON *project_doc(gen *g, const project_state *p)
{
	rng r = { p->seed };
	char text[512], date[16];
	cJSON *doc = new_doc("project", p->id), *o, *a;
	int64_t t = p->created;

	snprintf(text, sizeof(text), "兰园社区%s项目（第%u期）", PICK(&r, themes),
		 1 + (unsigned)(p - g->projects));
	str(doc, "title", text);
	snprintf(text, sizeof(text), "以兰园社区为平台、同心社工为承接主体，面向独居老人、困境儿童"
		 "和低保家庭开展个案、小组和社区服务。已提交进度报告%u份。", p->reports);
	str(doc, "summary", text);
	str(doc, "level", "district");
	str(doc, "implementing_org", ORG_AGENCY);
	str(doc, "community", ORG_COMMUNITY);
	str(doc, "funder", ORG_BUREAU);
	a = arr(doc, "team");
	for (int m = SW1; m <= SUPERVISOR; m++)
		str(a, NULL, g->members[m].id);
	str(doc, "stage", stages[p->stage]);
	o = obj(doc, "period");
	str(o, "start", date_of(date, t, 26));
	str(o, "end", date_of(date, t, 26 + 365));
	if (p->stage >= 2) {
		o = obj(doc, "public_notice");
		str(o, "start", date_of(date, t, 4));
		str(o, "end", date_of(date, t, 8));
		num(o, "objections", 0);
	}
	if (p->stage >= 3) {
		o = obj(doc, "contract");
		snprintf(text, sizeof(text), "CGMZ-GM-%u", 1000 + (unsigned)(p - g->projects));
		str(o, "number", text);
		str(o, "signed", date_of(date, t, 19));
	}
	o = obj(doc, "budget");
	for (int c = 0; c < 5; c++)
		num(o, categories[c], (double)p->budget[c]);
	a = arr(doc, "tranches");
	for (int i = 0; i < 2; i++) {
		uint64_t total = 0;

		for (int c = 0; c < 5; c++)
			total += p->budget[c];
		o = item(a);
		str(o, "id", i ? "tranche-2" : "tranche-1");
		num(o, "share_percent", i ? 40 : 60);
		num(o, "amount", (double)(total / 10 * (i ? 4 : 6)));
		str(o, "condition", i ? "after-final-evaluation" : "on-start");
		if ((i == 0 && p->stage >= 3) || (i == 1 && p->stage >= 7))
			str(o, "paid", date_of(date, t, i ? 26 + 350 : 29));
	}
	if (p->stage >= 5) {
		a = arr(doc, "evaluations");
		for (unsigned i = 5; i <= p->stage && i <= 6; i++) {
			o = item(a);
			str(o, "id", i == 5 ? "eval-mid" : "eval-final");
			str(o, "kind", i == 5 ? "mid-term" : "final");
			str(o, "date", date_of(date, t, i == 5 ? 26 + 180 : 26 + 340));
			str(o, "evaluator", "甘肃明德社会工作评估中心");
			str(o, "result", "passed");
			num(o, "score", 80 + below(&r, 15));
		}
	}
	return doc;
}

static project_state *new_project(gen *g)
{
	project_state *p;

	g->projects = grow(g->projects, &g->aprojects, g->nprojects + 1, sizeof(*g->projects));
	p = &g->projects[g->nprojects++];
	memset(p, 0, sizeof(*p));
	uuid7(p->id, (uint64_t)g->now * 1000, &g->r);
	p->seed = rng_next(&g->r);
	p->created = g->now;
	memcpy(p->budget, lanzhou_budget, sizeof(p->budget));
	return p;
}

/* The supervisor writes two project versions: a new project, a stage, a report. */
static void project_work(gen *g)
{
	space *sp = &g->spaces[COMMON];
	project_state *done[2] = { NULL, NULL };

	for (int i = 0; i < 2; i++) {
		project_state *p = NULL;

		if (g->nprojects >= 4 && below(&g->r, 100) >= 2) {
			p = &g->projects[g->nprojects - 1 - below(&g->r, g->nprojects < 12 ?
								     (unsigned)g->nprojects : 12)];
			if (p == done[0])
				p = NULL;
		}
		if (!p)
			p = new_project(g);
		else if (p->stage < 7 && below(&g->r, 4) == 0)
			p->stage++;
		else
			p->reports++;
		done[i] = p;
		write_doc(g, sp, SUPERVISOR, project_doc(g, p));
	}
	write_commit(g, sp, SUPERVISOR, NULL, NULL);
}

/* One expense of a project with room left in the category, or 0 when none has. */
static int ledger_doc(gen *g, cJSON **out)
{
	unsigned c = below(&g->r, 5);
	uint64_t amount = 1000 + rng_next(&g->r) % (lanzhou_budget[c] / 100);
	char id[37], date[16], receipt[24];
	project_state *p = NULL;
	cJSON *doc;

	for (size_t k = 0; k < 16 && k < g->nprojects && !p; k++) {
		p = &g->projects[g->nprojects - 1 - below(&g->r, g->nprojects < 24 ?
							     (unsigned)g->nprojects : 24)];
		if (p->spent[c] + amount > p->budget[c])
			p = NULL;
	}
	if (!p)
		return 0;
	p->spent[c] += amount;
	uuid7(id, (uint64_t)g->now * 1000, &g->r);
	doc = new_doc("ledger-entry", id);
	str(doc, "project", p->id);
	str(doc, "kind", "expense");
	str(doc, "category", categories[c]);
	num(doc, "amount", (double)amount);
	str(doc, "date", date_of(date, g->now, 0));
	str(doc, "counterparty", payees[c].counterparty);
	snprintf(receipt, sizeof(receipt), "6200%010llu", (unsigned long long)(rng_next(&g->r) % 10000000000ULL));
	str(doc, "receipt", receipt);
	str(doc, "note", payees[c].note);
	*out = doc;
	return 1;
}

/* A finance officer writes two expenses; with no room left, a project is made instead. */
static void ledger_work(gen *g)
{
	int who = below(&g->r, 3) ? FIN_A : FIN_B;
	cJSON *docs[2] = { NULL, NULL };

	if (!ledger_doc(g, &docs[0]) || !ledger_doc(g, &docs[1])) {
		cJSON_Delete(docs[0]);
		project_work(g);
		return;
	}
	write_doc(g, &g->spaces[COMMON], who, docs[0]);
	write_doc(g, &g->spaces[COMMON], who, docs[1]);
	write_commit(g, &g->spaces[COMMON], who, NULL, NULL);
}

/* ---- a week of edits appended to a generated node (--append) ---- */

static void git_die(const char *what)
{
	sanshe_git_error(SANSHE_ERROR, what);
	die("reading the node");
}

static void not_generated(const char *what)
{
	sanshe_error_set(SANSHE_EINVALID, "not a tree this tool writes");
	die(what);
}

/* The files of the shard tree `id` into `sh`; with `org` >= 0, they are known cases. */
static void load_shard(gen *g, shard *sh, const git_oid *id, int org)
{
	git_tree *tree = NULL;

	if (git_tree_lookup(&tree, g->repo, id) < 0)
		git_die("a shard tree");
	sh->tree.id = *id;
	for (size_t i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		size_t len = strlen(name);
		known_case *k;
		file *f;

		if (len <= 5 || len - 5 > SANSHE_DOC_ID_MAX || strcmp(name + len - 5, ".json") != 0)
			not_generated(name);
		sh->files = grow(sh->files, &sh->alloc, sh->n + 1, sizeof(*sh->files));
		f = &sh->files[sh->n++];
		memcpy(f->name, name, len + 1);
		f->blob = *git_tree_entry_id(e);
		if (org < 0)
			continue;
		g->known = grow(g->known, &g->aknown, g->nknown + 1, sizeof(*g->known));
		k = &g->known[g->nknown++];
		memset(k, 0, sizeof(*k));
		memcpy(k->id, name, len - 5);
		k->org = org;
	}
	git_tree_free(tree);
}

static void load_folder(gen *g, folder *fo, const git_oid *id, int org)
{
	git_tree *tree = NULL;

	if (git_tree_lookup(&tree, g->repo, id) < 0)
		git_die(fo->type);
	fo->tree.id = *id;
	for (size_t i = 0; i < git_tree_entrycount(tree); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		char *end;
		unsigned long at = strtoul(name, &end, 16);

		if (end != name + 2 || *end || git_tree_entry_type(e) != GIT_OBJECT_TREE)
			not_generated(name);
		load_shard(g, &fo->shards[at], git_tree_entry_id(e), org);
		fo->docs += fo->shards[at].n;
	}
	git_tree_free(tree);
}

/*
 * Read the branch of `sp` and its trees as write_trees leaves them; the
 * cases of organization `org` (-1: none) become known cases.  g->now
 * becomes the latest time of a head.
 */
static void load_space(gen *g, space *sp, int org)
{
	char ref[SANSHE_DOC_ID_MAX + 32];
	git_commit *head = NULL;
	git_tree *root = NULL;

	snprintf(ref, sizeof(ref), "refs/heads/%s", sp->name);
	if (git_reference_name_to_id(&sp->head, g->repo, ref) < 0 ||
	    git_commit_lookup(&head, g->repo, &sp->head) < 0 || git_commit_tree(&root, head) < 0)
		git_die(ref);
	sp->has_head = 1;
	sp->root.id = *git_tree_id(root);
	if (git_commit_time(head) > g->now)
		g->now = git_commit_time(head);
	for (size_t i = 0; i < git_tree_entrycount(root); i++) {
		const git_tree_entry *e = git_tree_entry_byindex(root, i);
		const char *name = git_tree_entry_name(e);
		int f = strcmp(name, sp->folders[0].type) == 0	 ? 0
			: strcmp(name, sp->folders[1].type) == 0 ? 1
								 : -1;

		if (f < 0 || git_tree_entry_type(e) != GIT_OBJECT_TREE)
			not_generated(name);
		load_folder(g, &sp->folders[f], git_tree_entry_id(e),
			    strcmp(name, "case") == 0 ? org : -1);
	}
	git_tree_free(root);
	git_commit_free(head);
}

/* Die unless the node's roster holds the members this seed makes. */
static void check_members(gen *g)
{
	folder *fo;
	shard *sh;
	size_t at;

	for (int m = 0; m < STAFF; m++)
		if (!locate(&g->spaces[TRUST], "member", g->members[m].id, &fo, &sh, &at)) {
			sanshe_error_set(SANSHE_EINVALID, "no member '%s': not made with this --seed",
					 g->members[m].id);
			die("the roster");
		}
}

/* The latest version of known case `k`, parsed. */
static cJSON *known_doc(gen *g, const known_case *k)
{
	git_blob *blob = NULL;
	folder *fo;
	shard *sh;
	size_t at;
	cJSON *doc;

	if (k->latest.size) {
		doc = cJSON_ParseWithLength(k->latest.ptr, k->latest.size);
	} else {
		if (!locate(org_space(g, k->org), "case", k->id, &fo, &sh, &at))
			not_generated(k->id);
		if (git_blob_lookup(&blob, g->repo, &sh->files[at].blob) < 0)
			git_die(k->id);
		doc = cJSON_ParseWithLength(git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
		git_blob_free(blob);
	}
	if (!doc)
		not_generated(k->id);
	return doc;
}

static void set_str(cJSON *o, const char *name, const char *value)
{
	if (!cJSON_IsObject(o))
		not_generated(name);
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	str(o, name, value);
}

static int case_writer(gen *g, int org)
{
	return org ? PICK(&g->r, community_workers) : PICK(&g->r, agency_workers);
}

static const char *const risk_levels[] = { "low", "medium", "high" };

/* A worker of its organization changes one field of known case `k`, in a commit of its own. */
static void change_case(gen *g, known_case *k)
{
	int author = case_writer(g, k->org);
	cJSON *doc = known_doc(g, k), *client = cJSON_GetObjectItemCaseSensitive(doc, "client");
	const char *risk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "risk_level"));
	const char *to;
	char text[160];

	switch (below(&g->r, 3)) {
	case 0:
		do
			to = PICK(&g->r, risk_levels);
		while (risk && strcmp(to, risk) == 0);
		set_str(doc, "risk_level", to);
		break;
	case 1:
		snprintf(text, sizeof(text), "1%u%09u", 3 + below(&g->r, 7), below(&g->r, 1000000000));
		set_str(client, "phone", text);
		break;
	default:
		snprintf(text, sizeof(text), "兰州市城关区%s%u号楼%u单元%u室", PICK(&g->r, streets),
			 1 + below(&g->r, 30), 1 + below(&g->r, 6),
			 101 + below(&g->r, 6) * 100 + below(&g->r, 4));
		set_str(client, "address", text);
	}
	write_doc(g, org_space(g, k->org), author, doc);
	write_commit(g, org_space(g, k->org), author, NULL, NULL);
	sanshe_buf_clear(&k->latest);
	if (sanshe_buf_put(&k->latest, g->last_doc.ptr, g->last_doc.size))
		die("keeping a case");
	g->changed++;
}

/* A worker of its organization writes a new note on known case `k`. */
static void note_case(gen *g, const known_case *k)
{
	int author = case_writer(g, k->org);
	case_state c;

	memset(&c, 0, sizeof(c));
	if (strlen(k->id) >= sizeof(c.id))
		not_generated(k->id);
	strcpy(c.id, k->id);
	write_doc(g, org_space(g, k->org), author, note_doc(g, &c, author));
	write_commit(g, org_space(g, k->org), author, NULL, NULL);
	g->noted++;
}

/*
 * One commit of a week's work, one document each as `sanshe put` writes
 * it: a note on a known case (55%), a change to one (35%), a new case
 * (10%).  The known cases are taken at positions of parity `half` (the
 * edit seed's), so that runs whose seeds differ in parity touch different
 * cases; but a `shared` commit changes a case drawn from `both`, which
 * draws the same cases in every run on the same node.
 */
static void week_work(gen *g, rng *both, int shared, unsigned half)
{
	unsigned roll = below(&g->r, 100);
	size_t pairs = g->nknown / 2;
	known_case *k;

	g->now += 10 + below(&g->r, 230);
	if (shared && g->nknown) {
		change_case(g, &g->known[below(both, (unsigned)g->nknown)]);
		g->shared++;
	} else if (roll < 10 || pairs == 0) {
		int org = below(&g->r, 5) < 3 ? 0 : 1, author = case_writer(g, org);

		open_case(g, org, author);
		write_commit(g, org_space(g, org), author, NULL, NULL);
		g->opened++;
	} else {
		k = &g->known[2 * below(&g->r, (unsigned)pairs) + half];
		if (roll < 45)
			change_case(g, k);
		else
			note_case(g, k);
	}
}

/* Append `n` commits of a week's work to the node of `store`, `shared` of them shared. */
static void append_week(gen *g, sanshe_store *store, unsigned long n, unsigned long shared,
			uint64_t seed, uint64_t edit_seed)
{
	rng both = { seed ^ 0x5eed0fb07c5a5e5ULL };

	g->repo = sanshe_store_repository(store);
	make_members(g);
	for (int i = 0; i < 5; i++)
		load_space(g, &g->spaces[i],
			   i == SPACE_AGENCY ? 0 : i == SPACE_COMMUNITY ? 1 : -1);
	check_members(g);
	g->r.s = edit_seed;
	for (unsigned long i = 0; i < n; i++)
		week_work(g, &both, shared && (i * shared) / n != ((i + 1) * shared) / n,
			  (unsigned)(edit_seed & 1));
	for (size_t i = 0; i < g->nknown; i++)
		sanshe_buf_dispose(&g->known[i].latest);
}

/* ---- the history ---- */

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Point each space's branch at its head, once every pack is installed (--append: moved). */
static void set_refs(gen *g, sanshe_store *store)
{
	git_repository *repo = sanshe_store_repository(store);
	git_odb *odb = NULL;

	if (git_repository_odb(&odb, repo) < 0 || git_odb_refresh(odb) < 0)
		die("reading the packs");
	git_odb_free(odb);
	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(g->spaces); i++) {
		char ref[SANSHE_DOC_ID_MAX + 32];
		git_reference *made = NULL;

		snprintf(ref, sizeof(ref), "refs/heads/%s", g->spaces[i].name);
		if (git_reference_create(&made, repo, ref, &g->spaces[i].head, 1, "gen_history") < 0) {
			sanshe_error_set(SANSHE_ERROR, "%s", git_error_last()->message);
			die(ref);
		}
		git_reference_free(made);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: gen_history DIR [--commits N | --documents N] [--seed S] [--check] "
			"[--home HOME]\n"
			"       gen_history DIR --append N [--edit-seed E] [--shared K] [--seed S] "
			"[--home HOME]\n");
	exit(2);
}

/* The numbers a script reads: the last line of the output. */
static void print_summary(const gen *g, double took)
{
	size_t docs = 0;

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(g->spaces); i++)
		docs += space_docs(&g->spaces[i]);
	printf("commits=%zu versions=%zu signatures=%zu seconds=%.2f doc_bytes=%.0f documents=%zu "
	       "founder=%s\n", g->commits, g->versions, g->commits + g->versions, took,
	       (double)g->doc_bytes / (double)(g->versions ? g->versions : 1), docs,
	       sanshe_key_fingerprint(g->members[ADMIN].key));
}

/* The history of a new node: the founding, then commits until `commits` or `documents`. */
static void make_history(gen *g, unsigned long commits, unsigned long documents)
{
	found(g);
	g->now = WORK_STARTS;
	for (unsigned long i = 0;; i++) {
		unsigned roll;
		size_t docs = 0;

		for (size_t s = 0; documents && s < SANSHE_ARRAY_SIZE(g->spaces); s++)
			docs += space_docs(&g->spaces[s]);
		if (documents ? docs >= documents : i >= commits)
			break;
		roll = below(&g->r, 100);
		g->now += 30 + below(&g->r, 570);
		if (roll < 60)
			case_work(g, below(&g->r, 5) < 3 ? 0 : 1);
		else if (roll < 72 || g->nprojects < 4)
			project_work(g);
		else
			ledger_work(g);
	}
}

int main(int argc, char **argv)
{
	gen g;
	sanshe_store *store = NULL;
	unsigned long commits = 100000, documents = 0, append = 0, shared = 50;
	uint64_t seed = 1, edit_seed = 2;
	const char *home = NULL;
	double start = now_seconds(), took;

	memset(&g, 0, sizeof(g));
	if (argc < 2 || argv[1][0] == '-')
		usage();
	for (int i = 2; i < argc; i++) {
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(argv[i], "--check") == 0)
			g.check = 1;
		else if (!value)
			usage();
		else if (strcmp(argv[i], "--commits") == 0)
			commits = strtoul(value, NULL, 10);
		else if (strcmp(argv[i], "--documents") == 0)
			documents = strtoul(value, NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(value, NULL, 10);
		else if (strcmp(argv[i], "--home") == 0)
			home = value;
		else if (strcmp(argv[i], "--append") == 0)
			append = strtoul(value, NULL, 10);
		else if (strcmp(argv[i], "--edit-seed") == 0)
			edit_seed = strtoull(value, NULL, 10);
		else if (strcmp(argv[i], "--shared") == 0)
			shared = strtoul(value, NULL, 10);
		else
			usage();
		i += strcmp(argv[i], "--check") != 0;
	}
	if (shared > append)
		shared = append;
	if (sodium_init() < 0 || sanshe_registry_init() ||
	    (append ? sanshe_store_open(&store, argv[1]) : sanshe_store_create(&store, argv[1])))
		die(argv[1]);
	g.r.s = seed;
	snprintf(g.p.objects, sizeof(g.p.objects), "%s/objects/", sanshe_store_path(store));
	packer_start(&g.p);
	space_init(&g.spaces[TRUST], "trust", "member", "org");
	space_init(&g.spaces[COMMON], "common", "ledger-entry", "project");
	for (int o = 0; o < 3; o++) {
		char name[64];

		snprintf(name, sizeof(name), "org/%s", orgs[o].id);
		space_init(&g.spaces[SPACE_AGENCY + o], name, "case-note", "case");
	}
	if (append)
		append_week(&g, store, append, shared, seed, edit_seed);
	else
		make_history(&g, commits, documents);
	packer_flush(&g.p);
	set_refs(&g, store);
	if (home)
		save_keys(&g, home);
	took = now_seconds() - start;
	if (append)
		printf("appended %zu commits, one document each, in %.1f s: %zu changes to the "
		       "node's %zu cases (%zu to cases every run on this node changes), %zu notes "
		       "on them, %zu new cases\n", g.commits, took, g.changed, g.nknown, g.shared,
		       g.noted, g.opened);
	else
		printf("generated %zu commits, %zu document versions, %zu signatures in %.1f s "
		       "(%.0f commits/s)\n", g.commits, g.versions, g.commits + g.versions, took,
		       g.commits / took);
	printf("  %zu cases, %zu projects; %zu objects (%zu tree deltas) in %u packs of %.1f MB; "
	       "documents %.0f bytes on average\n", g.ncases, g.nprojects, g.p.objects_written,
	       g.p.deltas, g.p.number, g.p.bytes_installed / 1048576.0,
	       (double)g.doc_bytes / (double)(g.versions ? g.versions : 1));
	print_summary(&g, took);
	for (int m = 0; m < STAFF; m++)
		sanshe_key_free(g.members[m].key);
	sanshe_buf_dispose(&g.last_doc);
	sanshe_store_free(store);
	return 0;
}
