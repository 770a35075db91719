/*
 * libFuzzer target: the strict parser and the canonical writer.
 *
 * Any input is either refused with a message "LINE:COLUMN: reason" (both
 * at least 1, and the same as the position handed back), or parsed into a
 * tree whose canonical form c1 is a fixed point: it is valid UTF-8 with no
 * raw control character, it parses back to a tree equal to the first, and
 * writing that tree again gives c1 byte for byte.  A broken invariant
 * aborts, so that libFuzzer keeps the input.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "fuzz.h"
#include "json.h"

/* A refusal names where, in the message and in `where`, and why. */
static void check_refusal(int err, const sanshe_json_pos *where)
{
	const char *message = sanshe_error_last();
	int line = 0, column = 0, reason = 0;

	fuzz_require(err == SANSHE_EPARSE, "a refusal is SANSHE_EPARSE",
		     message);
	if (sscanf(message, "%d:%d: %n", &line, &column, &reason) != 2 ||
	    reason == 0 || message[reason] == '\0')
		fuzz_fail("a refusal reads \"LINE:COLUMN: reason\"", message);
	fuzz_require(line >= 1 && column >= 1, "line and column are 1 or more",
		     message);
	fuzz_require(line == where->line && column == where->column,
		     "the message and the position agree", message);
}

/* Canonical text: valid UTF-8, and no byte below 0x20 (those are escaped). */
static void check_canonical_bytes(const sanshe_buf *c1)
{
	fuzz_require(sanshe_utf8_valid(c1->ptr, c1->size, NULL),
		     "canonical text is valid UTF-8", c1->ptr);
	for (size_t i = 0; i < c1->size; i++)
		if ((unsigned char)c1->ptr[i] < 0x20)
			fuzz_fail("canonical text has no raw control character",
				  c1->ptr);
}

static void check_canonical_form(const cJSON *tree)
{
	sanshe_buf c1 = SANSHE_BUF_INIT, c2 = SANSHE_BUF_INIT;
	cJSON *again = NULL;

	if (sanshe_canon_write(&c1, tree) != 0)
		fuzz_fail("a parsed tree has a canonical form",
			  sanshe_error_last());
	check_canonical_bytes(&c1);
	if (sanshe_json_parse(&again, c1.ptr, c1.size, NULL, NULL) != 0)
		fuzz_fail("canonical text parses", sanshe_error_last());
	if (sanshe_canon_write(&c2, again) != 0)
		fuzz_fail("a reparsed tree has a canonical form",
			  sanshe_error_last());
	fuzz_require(c1.size == c2.size && memcmp(c1.ptr, c2.ptr, c1.size) == 0,
		     "canonical form is idempotent", c1.ptr);
	fuzz_require(sanshe_json_equal(tree, again),
		     "canonical text reads back equal", c1.ptr);
	cJSON_Delete(again);
	sanshe_buf_dispose(&c1);
	sanshe_buf_dispose(&c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sanshe_json_pos where = {0, 0};
	cJSON *tree = NULL;
	int err;

	sanshe_error_clear();
	err = sanshe_json_parse(&tree, (const char *)data, size, NULL, &where);
	if (err) {
		fuzz_require(tree == NULL, "a refusal gives no tree", NULL);
		check_refusal(err, &where);
		return 0;
	}
	check_canonical_form(tree);
	cJSON_Delete(tree);
	return 0;
}
