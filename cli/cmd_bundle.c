/* sanshe bundle (sync_kinds.h). */
#include "cli.h"

#include "sync_kinds.h"

int sync_bundle(syncing *s, const sanshe_peer *where)
{
	(void)s;
	return sanshe_error_set(SANSHE_EINVALID, _("'%s': not yet"), where->url);
}
