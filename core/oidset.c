/* A set of git object ids (oidset.h). */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include "oidset.h"

/* The first slot to try: ids are hashes already, their first bytes will do. */
static size_t home_of(const git_oid *id)
{
	return (size_t)id->id[0] << 16 | (size_t)id->id[1] << 8 | id->id[2];
}

static void place(git_oid *ids, size_t cap, const git_oid *id)
{
	for (size_t i = home_of(id);; i++) {
		git_oid *slot = &ids[i & (cap - 1)];

		if (git_oid_is_zero(slot)) {
			git_oid_cpy(slot, id);
			return;
		}
	}
}

int sanshe_oidset_add(sanshe_oidset *set, const git_oid *id)
{
	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 256;
		git_oid *grown = calloc(cap, sizeof(*grown));

		if (!grown)
			return sanshe_error_set(SANSHE_ENOMEM, "%s", _("out of memory"));
		for (size_t i = 0; i < set->cap; i++)
			if (!git_oid_is_zero(&set->ids[i]))
				place(grown, cap, &set->ids[i]);
		free(set->ids);
		set->ids = grown;
		set->cap = cap;
	}
	for (size_t i = home_of(id);; i++) {
		git_oid *slot = &set->ids[i & (set->cap - 1)];

		if (git_oid_is_zero(slot)) {
			git_oid_cpy(slot, id);
			set->n++;
			return 1;
		}
		if (git_oid_equal(slot, id))
			return 0;
	}
}

bool sanshe_oidset_has(const sanshe_oidset *set, const git_oid *id)
{
	for (size_t i = home_of(id); set->cap; i++) {
		const git_oid *slot = &set->ids[i & (set->cap - 1)];

		if (git_oid_is_zero(slot))
			return false;
		if (git_oid_equal(slot, id))
			return true;
	}
	return false;
}

void sanshe_oidset_clear(sanshe_oidset *set)
{
	if (set->ids)
		memset(set->ids, 0, set->cap * sizeof(*set->ids));
	set->n = 0;
}

void sanshe_oidset_dispose(sanshe_oidset *set)
{
	free(set->ids);
	set->ids = NULL;
	set->n = set->cap = 0;
}
