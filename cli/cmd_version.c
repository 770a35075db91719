#include "cli.h"

#include <cjson/cJSON.h>
#include <git2.h>
#include <sodium.h>

#define SANSHE_VERSION "0.1.0"

int cmd_version(int argc, char **argv)
{
	int major, minor, rev;
	int c;

	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == 'h' ? 0 : EXIT_USAGE;
	if (optind < argc)
		return cli_usage_error("version", "%s", _("too many arguments"));
	git_libgit2_version(&major, &minor, &rev);
	printf("sanshe %s (libgit2 %d.%d.%d, cJSON %s, libsodium %s)\n",
	       SANSHE_VERSION, major, minor, rev, cJSON_Version(),
	       sodium_version_string());
	return 0;
}
