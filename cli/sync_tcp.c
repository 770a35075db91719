/* Sync over TCP (sync_kinds.h). */
#include "cli.h"

#include "sync_kinds.h"

int sync_tcp(syncing *s, const sanshe_peer *where)
{
	(void)s;
	return sanshe_error_set(SANSHE_EINVALID, _("'%s': not yet"), where->url);
}

int clone_tcp(const sanshe_peer *where, const char *dir, const char *expect, const char *key_name)
{
	(void)dir, (void)expect, (void)key_name;
	return sanshe_error_set(SANSHE_EINVALID, _("'%s': not yet"), where->url);
}
