/* Roles and what they may write (trust.h). */
#include "common.h"

#include <stdio.h>
#include <string.h>

#include "trust.h"

const char *const sanshe_role_names[] = {
	"social-worker", "community-worker", "coordinator", "finance",
	"supervisor",	 "auditor",	     "admin",	    NULL,
};

unsigned sanshe_role_parse(const char *name)
{
	for (unsigned i = 0; sanshe_role_names[i]; i++)
		if (strcmp(name, sanshe_role_names[i]) == 0)
			return 1u << i;
	return 0;
}

unsigned sanshe_roles_list(const cJSON *names)
{
	const cJSON *r;
	unsigned roles = 0;

	if (!cJSON_IsArray(names))
		return 0;
	cJSON_ArrayForEach(r, names)
		if (cJSON_IsString(r))
			roles |= sanshe_role_parse(r->valuestring);
	return roles;
}

unsigned sanshe_roles_of(const cJSON *member)
{
	return sanshe_roles_list(cJSON_GetObjectItemCaseSensitive(member, "roles"));
}

const char *sanshe_roles_text(unsigned roles, char *out, size_t size)
{
	size_t used = 0;

	if (size)
		out[0] = '\0';
	for (unsigned i = 0; sanshe_role_names[i]; i++) {
		int n;

		if (!(roles & (1u << i)))
			continue;
		n = snprintf(out + used, used < size ? size - used : 0, "%s%s", used ? ", " : "",
			     sanshe_role_names[i]);
		if (n > 0)
			used += (size_t)n;
	}
	if (!roles && size)
		snprintf(out, size, "%s", _("no role"));
	return out;
}

/* Who may write each type: the README's table. */
static const struct {
	const char *type;
	unsigned roles;
	const char *whose; /* for the message: whose work it is */
} writers[] = {
	{ "org", SANSHE_ROLE_ADMIN, "admin" },
	{ "member", SANSHE_ROLE_ADMIN, "admin" },
	{ "case", SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_COMMUNITY_WORKER | SANSHE_ROLE_SUPERVISOR,
	  "social-worker, community-worker or supervisor" },
	{ "case-note",
	  SANSHE_ROLE_SOCIAL_WORKER | SANSHE_ROLE_COMMUNITY_WORKER | SANSHE_ROLE_SUPERVISOR,
	  "social-worker, community-worker or supervisor" },
	{ "roster", SANSHE_ROLE_COORDINATOR | SANSHE_ROLE_COMMUNITY_WORKER,
	  "coordinator or community-worker" },
	{ "project", SANSHE_ROLE_SUPERVISOR, "supervisor" },
	{ "ledger-entry", SANSHE_ROLE_FINANCE, "finance" },
};

int sanshe_roles_may_write(unsigned roles, const char *org, const sanshe_type *type,
			   const char *space, const char *who)
{
	char have[160];

	for (size_t i = 0; i < SANSHE_ARRAY_SIZE(writers); i++) {
		if (strcmp(writers[i].type, type->name) != 0)
			continue;
		if (!(roles & writers[i].roles))
			return sanshe_error_set(SANSHE_EINVALID,
						_("%s (%s) may not write %s documents: that is for "
						  "%s"),
						who, sanshe_roles_text(roles, have, sizeof(have)),
						type->name, writers[i].whose);
		if (type->space == SANSHE_SPACE_ORG &&
		    (strncmp(space, "org/", 4) != 0 || strcmp(space + 4, org) != 0))
			return sanshe_error_set(SANSHE_EINVALID,
						_("%s may write %s documents only in its own "
						  "organization's space org/%s, not in %s"),
						who, type->name, org, space);
		if (type->space == SANSHE_SPACE_TRUST && strcmp(space, "trust") != 0)
			return sanshe_error_set(SANSHE_EINVALID,
						_("%s documents belong in space trust, not %s"),
						type->name, space);
		if (type->space == SANSHE_SPACE_COMMON && strcmp(space, "common") != 0)
			return sanshe_error_set(SANSHE_EINVALID,
						_("%s documents belong in space common, not %s"),
						type->name, space);
		return 0;
	}
	return sanshe_error_set(SANSHE_EINVALID, _("%s may not write %s documents: no role may"),
				who, type->name);
}
