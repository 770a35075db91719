/* What validate and check report about a document, as text or JSON. */
#ifndef SANSHE_CLI_REPORT_H
#define SANSHE_CLI_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "schema.h"

/**
 * A JSON report on `doc`: {"type", "id", "valid", "violations": [{pointer,
 * message}]} (type and id when the document has them).  NULL when out of
 * memory (the message is set).  The caller deletes it.
 */
cJSON *cli_report_json(const cJSON *doc, int valid, const sanshe_schema_errors *errors);

/**
 * Print one violation as a line on `out`: "<prefix><what>: <pointer>:
 * <message>", leaving out `what` when NULL and the pointer at the root
 * (where there is none to show).
 */
void cli_print_violation(FILE *out, const char *prefix, const char *what,
			 const sanshe_schema_error *violation);

#endif
