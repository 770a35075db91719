/*
 * libFuzzer target: the JSON Schema compiler and validator.  The input is
 * a schema text, a NUL byte, then an instance text (no NUL: the instance
 * is missing and only the schema is compiled).  Nothing may crash, leak or
 * hang, whatever the schema: regex backtracking, $ref chains and deep
 * nesting all have limits.  A refused schema or instance always says why;
 * an instance found invalid lists at least one violation, each with a
 * place and a message.
 */
#include "common.h"

#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "schema.h"

static void check_violations(int err, const sanshe_schema_errors *errors)
{
	fuzz_require(err != SANSHE_ESCHEMA || errors->count > 0,
		     "an invalid instance lists a violation",
		     sanshe_error_last());
	fuzz_require(err == SANSHE_ESCHEMA || errors->count == 0,
		     "only an invalid instance lists violations",
		     sanshe_error_last());
	for (size_t i = 0; i < errors->count; i++) {
		const sanshe_schema_error *e = &errors->items[i];

		fuzz_require(e->pointer && (!*e->pointer || *e->pointer == '/'),
			     "a violation's place is a JSON pointer",
			     e->pointer);
		fuzz_require(e->message && *e->message,
			     "a violation has a message", e->pointer);
	}
}

static void check_instance(const sanshe_schema *schema, const char *text,
			   size_t len)
{
	sanshe_schema_errors errors = SANSHE_SCHEMA_ERRORS_INIT;
	cJSON *instance = NULL;
	int err;

	if (sanshe_json_parse(&instance, text, len, NULL, NULL) != 0)
		return;
	sanshe_error_clear();
	err = sanshe_schema_validate(schema, instance, &errors);
	fuzz_require(err == 0 || *sanshe_error_last(),
		     "a failure sets a message", NULL);
	check_violations(err, &errors);
	sanshe_schema_errors_dispose(&errors);
	cJSON_Delete(instance);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t schema_len = nul ? (size_t)(nul - text) : size;
	sanshe_schema *schema = NULL;
	cJSON *tree = NULL;
	int err;

	if (sanshe_json_parse(&tree, text, schema_len, NULL, NULL) != 0)
		return 0;
	sanshe_error_clear();
	err = sanshe_schema_compile(&schema, tree, "fuzz");
	fuzz_require(err == 0 || *sanshe_error_last(),
		     "a refused schema says why", NULL);
	fuzz_require((err == 0) == (schema != NULL),
		     "a schema exactly when compiled", NULL);
	if (schema && nul)
		check_instance(schema, nul + 1, size - schema_len - 1);
	sanshe_schema_free(schema);
	cJSON_Delete(tree);
	return 0;
}
