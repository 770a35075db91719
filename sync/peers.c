/* Peers and meeting a node at a path (peers.h). */
#include "common.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "peers.h"
#include "trust.h"

#define SECTION "sanshe-peer"

int sanshe_peers_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= SANSHE_PEER_NAME_MAX || name[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!strchr("_-", name[i]) && !(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= 'A' && name[i] <= 'Z') && !(name[i] >= '0' && name[i] <= '9'))
			return 0;
	return 1;
}

static int name_check(const char *name)
{
	if (!sanshe_peers_name_valid(name))
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s' cannot be a peer name: 1 to 63 letters, digits, '_' "
					  "or '-', starting with a letter or digit"),
					name);
	return 0;
}

static int open_config(sanshe_store *store, git_config **cfg)
{
	if (git_repository_config(cfg, sanshe_store_repository(store)) != 0)
		return sanshe_git_error(SANSHE_EIO, _("cannot read the repository's settings"));
	return 0;
}

/* The setting `what` of peer `name` into `out`: 1 when set, 0 when not. */
static int setting(git_config *cfg, const char *name, const char *what, git_buf *out)
{
	char key[SANSHE_PEER_NAME_MAX + 32];

	snprintf(key, sizeof(key), SECTION ".%s.%s", name, what);
	if (git_config_get_string_buf(out, cfg, key) == 0)
		return 1;
	git_error_clear();
	return 0;
}

int sanshe_peers_tcp_parse(const char *url, char host[SANSHE_PEER_HOST_MAX], char port[8])
{
	const char *h = url + 6, *end, *colon;
	size_t n;

	if (strncmp(url, "tcp://", 6) != 0)
		return sanshe_error_set(SANSHE_EINVALID, _("'%s' is not a tcp:// address"), url);
	if (*h == '[') {
		if (!(end = strchr(h, ']')))
			return sanshe_error_set(SANSHE_EINVALID, _("'%s': no ']' after the address"),
						url);
		h++;
		n = (size_t)(end - h);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			goto bad;
	} else {
		colon = strrchr(h, ':');
		n = colon ? (size_t)(colon - h) : strlen(h);
	}
	if (!n || n >= SANSHE_PEER_HOST_MAX)
		goto bad;
	memcpy(host, h, n);
	host[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strchr(".-_:", host[i]) && !(host[i] >= 'a' && host[i] <= 'z') &&
		    !(host[i] >= 'A' && host[i] <= 'Z') && !(host[i] >= '0' && host[i] <= '9'))
			goto bad;
	if (!colon) {
		snprintf(port, 8, "%s", SANSHE_PEER_PORT_DEFAULT);
		return 0;
	}
	n = strlen(colon + 1);
	if (n < 1 || n > 5 || strspn(colon + 1, "0123456789") != n || atoi(colon + 1) < 1 ||
	    atoi(colon + 1) > 65535)
		goto bad;
	memcpy(port, colon + 1, n + 1);
	return 0;
bad:
	return sanshe_error_set(SANSHE_EINVALID,
				_("'%s' is not an address sanshe can reach: write tcp://HOST:PORT, "
				  "e.g. tcp://192.168.1.20:7150"),
				url);
}

/* A path to another node, made absolute; refused when it is not a node's. */
static int node_path(const char *arg, char *out, size_t size)
{
	char real[PATH_MAX];
	sanshe_store *probe = NULL;
	int err;

	if (!realpath(arg, real))
		return sanshe_error_set_os(SANSHE_ENOTFOUND, _("no node at '%s'"), arg);
	if (strlen(real) >= size)
		return sanshe_error_set(SANSHE_EINVALID, _("the path '%s' is too long"), arg);
	if ((err = sanshe_store_open(&probe, real)) != 0)
		return err;
	sanshe_store_free(probe);
	strcpy(out, real);
	return 0;
}

/* Where `url` leads: a tcp:// node, a bundle file or a node's path. */
static int locate(const char *url, sanshe_peer *out)
{
	char real[PATH_MAX];
	struct stat st;
	int err;

	if (strncmp(url, "tcp://", 6) == 0) {
		if ((err = sanshe_peers_tcp_parse(url, out->host, out->port)) != 0)
			return err;
		out->kind = SANSHE_PEER_TCP;
		snprintf(out->url, sizeof(out->url), "%s", url);
		return 0;
	}
	if (stat(url, &st) == 0 && S_ISREG(st.st_mode)) {
		if (!realpath(url, real) || strlen(real) >= sizeof(out->url))
			return sanshe_error_set_os(SANSHE_EINVALID, _("cannot read '%s'"), url);
		out->kind = SANSHE_PEER_BUNDLE;
		strcpy(out->url, real);
		return 0;
	}
	out->kind = SANSHE_PEER_NODE;
	return node_path(url, out->url, sizeof(out->url));
}

int sanshe_peers_add(sanshe_store *store, const char *name, const char *url, const char *key)
{
	char path[PATH_MAX], full[SANSHE_PEER_NAME_MAX + 32];
	git_config *cfg = NULL;
	git_buf had = GIT_BUF_INIT;
	int err;

	sanshe_peer where;

	memset(&where, 0, sizeof(where));
	if ((err = name_check(name)) != 0 || (err = locate(url, &where)) != 0)
		return err;
	if (where.kind == SANSHE_PEER_BUNDLE)
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s' is a file: a peer is another node's folder or "
					  "tcp://HOST:PORT; apply a bundle with sanshe sync FILE"),
					url);
	snprintf(path, sizeof(path), "%s", where.url);
	if (key && (strncmp(key, "SHA256:", 7) != 0 || strlen(key) != 50))
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s' is not a key fingerprint (SHA256: and 43 characters)"),
					key);
	if ((err = open_config(store, &cfg)) != 0)
		return err;
	if (setting(cfg, name, "url", &had)) {
		err = sanshe_error_set(SANSHE_EEXISTS, _("there is a peer '%s' already (at %s)"), name,
				       had.ptr);
		goto done;
	}
	snprintf(full, sizeof(full), SECTION ".%s.url", name);
	if (git_config_set_string(cfg, full, path) != 0) {
		err = sanshe_git_error(SANSHE_EIO, _("cannot save the peer"));
		goto done;
	}
	snprintf(full, sizeof(full), SECTION ".%s.key", name);
	if (key && git_config_set_string(cfg, full, key) != 0)
		err = sanshe_git_error(SANSHE_EIO, _("cannot save the peer"));
done:
	git_buf_dispose(&had);
	git_config_free(cfg);
	return err;
}

int sanshe_peers_remove(sanshe_store *store, const char *name)
{
	char section[SANSHE_PEER_NAME_MAX + 32];
	git_config *cfg = NULL;
	git_buf had = GIT_BUF_INIT;
	int err;

	if ((err = name_check(name)) != 0 || (err = open_config(store, &cfg)) != 0)
		return err;
	if (!setting(cfg, name, "url", &had)) {
		err = sanshe_error_set(SANSHE_ENOTFOUND, _("there is no peer '%s' (see sanshe peer "
							   "list)"),
				       name);
	} else {
		snprintf(section, sizeof(section), SECTION ".%s.url", name);
		if (git_config_delete_entry(cfg, section) != 0)
			err = sanshe_git_error(SANSHE_EIO, _("cannot forget the peer"));
		snprintf(section, sizeof(section), SECTION ".%s.key", name);
		git_config_delete_entry(cfg, section);
		git_error_clear();
	}
	git_buf_dispose(&had);
	git_config_free(cfg);
	return err;
}

typedef struct peer_list {
	char (*names)[SANSHE_PEER_NAME_MAX];
	size_t n, cap;
} peer_list;

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

int sanshe_peers_each(sanshe_store *store,
		      int (*cb)(const char *name, const char *url, const char *key, void *payload),
		      void *payload)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	peer_list l = { NULL, 0, 0 };
	int err = 0;

	if ((err = open_config(store, &cfg)) != 0)
		return err;
	/* every entry, matched by hand: libgit2 1.5 leaks a regular expression's
	 * match data on each entry a glob iterator does not match */
	if (git_config_iterator_new(&it, cfg) != 0) {
		git_config_free(cfg);
		return sanshe_git_error(SANSHE_EIO, _("cannot read the peers"));
	}
	while (!err && git_config_next(&entry, it) == 0) {
		size_t len = strlen(entry->name), pre = strlen(SECTION) + 1, n;
		const char *name = entry->name + pre;

		if (len <= pre + 4 || strncmp(entry->name, SECTION ".", pre) != 0 ||
		    strcmp(entry->name + len - 4, ".url") != 0)
			continue;
		n = len - pre - 4; /* without ".url" */
		if (n >= SANSHE_PEER_NAME_MAX || memchr(name, '.', n))
			continue;
		if (l.n == l.cap) {
			size_t cap = l.cap ? 2 * l.cap : 8;
			void *grown = realloc(l.names, cap * sizeof(*l.names));

			if (!grown) {
				err = sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
				break;
			}
			l.names = grown;
			l.cap = cap;
		}
		memcpy(l.names[l.n], name, n);
		l.names[l.n++][n] = '\0';
	}
	git_error_clear();
	git_config_iterator_free(it);
	if (l.n)
		qsort(l.names, l.n, sizeof(*l.names), by_name);
	for (size_t i = 0; !err && i < l.n; i++) {
		git_buf url = GIT_BUF_INIT, key = GIT_BUF_INIT;

		if (setting(cfg, l.names[i], "url", &url))
			err = cb(l.names[i], url.ptr, setting(cfg, l.names[i], "key", &key) ? key.ptr : NULL,
				 payload);
		git_buf_dispose(&url);
		git_buf_dispose(&key);
	}
	free(l.names);
	git_config_free(cfg);
	return err;
}

int sanshe_peers_label_of(const char *path, char label[SANSHE_PEER_NAME_MAX])
{
	size_t len = strlen(path), n = 0;
	const char *end = path + len, *start;

	while (end > path && end[-1] == '/')
		end--;
	for (start = end; start > path && start[-1] != '/'; start--)
		;
	for (const char *c = start; c < end && n + 1 < SANSHE_PEER_NAME_MAX; c++)
		label[n++] = (strchr("_-", *c) || (*c >= 'a' && *c <= 'z') ||
			      (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))
				     ? *c
				     : '-';
	label[n] = '\0';
	if (!n || label[0] == '-')
		snprintf(label, SANSHE_PEER_NAME_MAX, "node");
	return 0;
}

int sanshe_peers_resolve(sanshe_store *store, const char *arg, sanshe_peer *out)
{
	git_config *cfg = NULL;
	git_buf known = GIT_BUF_INIT, key = GIT_BUF_INIT;
	int err;

	memset(out, 0, sizeof(*out));
	if (store && sanshe_peers_name_valid(arg) && !strchr(arg, '/')) {
		if ((err = open_config(store, &cfg)) != 0)
			return err;
		out->named = setting(cfg, arg, "url", &known);
		if (out->named && setting(cfg, arg, "key", &key))
			snprintf(out->key, sizeof(out->key), "%s", key.ptr);
		git_config_free(cfg);
	}
	if (out->named) {
		err = locate(known.ptr, out);
		if (!err)
			snprintf(out->label, SANSHE_PEER_NAME_MAX, "%s", arg);
		else
			sanshe_error_prefix(_("peer '%s'"), arg);
	} else if ((err = locate(arg, out)) == 0) {
		if (out->kind == SANSHE_PEER_TCP) {
			char both[SANSHE_PEER_HOST_MAX + 16];

			snprintf(both, sizeof(both), "%s-%s", out->host, out->port);
			err = sanshe_peers_label_of(both, out->label);
		} else {
			err = sanshe_peers_label_of(out->url, out->label);
		}
	}
	git_buf_dispose(&known);
	git_buf_dispose(&key);
	return err;
}

int sanshe_peers_fetch(sanshe_store *store, const char *from, const char *space, const char *ref)
{
	git_remote *remote = NULL;
	git_fetch_options opts;
	char spec[2 * SANSHE_PEER_NAME_MAX + 512];
	char *specs[] = { spec };
	git_strarray refspecs = { specs, 1 };
	git_remote_create_options create;
	int err = 0;

	snprintf(spec, sizeof(spec), "+refs/heads/%s:%s", space, ref);
	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	opts.update_fetchhead = 0;
	/*
	 * An anonymous remote, without url.*.insteadOf: libgit2 1.5 reads those
	 * through a regular expression whose match data it leaks on every
	 * config entry that does not match.
	 */
	git_remote_create_options_init(&create, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	create.repository = sanshe_store_repository(store);
	create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, from, &create) != 0 ||
	    git_remote_fetch(remote, &refspecs, &opts, NULL) != 0)
		err = sanshe_error_set(SANSHE_EIO, _("cannot take space '%s' from '%s': %s"), space,
				       from, git_error_last() ? git_error_last()->message : "");
	git_remote_free(remote);
	return err;
}

int sanshe_peers_same_federation(sanshe_store *ours, sanshe_store *theirs, const char *path)
{
	char mine[GIT_OID_HEXSZ + 1], other[GIT_OID_HEXSZ + 1];
	git_oid a, b;
	int err;

	if ((err = sanshe_trust_founding(ours, NULL, &a)) != 0)
		return err;
	if ((err = sanshe_trust_founding(theirs, NULL, &b)) != 0)
		return sanshe_error_prefix(_("'%s'"), path);
	if (!git_oid_equal(&a, &b))
		return sanshe_error_set(SANSHE_EINVALID,
					_("'%s' is a node of another federation (founded by commit "
					  "%.12s, this one by %.12s): nothing was exchanged"),
					path, git_oid_tostr(other, sizeof(other), &b),
					git_oid_tostr(mine, sizeof(mine), &a));
	return 0;
}
