/*
 * Strict JSON (RFC 8259) into a cJSON tree.
 *
 * cJSON's own parser is lenient (duplicate keys, `01`, invalid UTF-8,
 * strings cut at \u0000, trailing garbage, integers beyond 2^53); a signed
 * document format must refuse all of these, so sanshe parses itself and uses
 * cJSON only as the tree.  Every refusal names line:column (1-based, column
 * counted in characters) and a reason.  Strings in the tree are valid UTF-8
 * without NUL: `\u0000` is refused, since a C string cannot hold it exactly.
 * A number whose value is an integer beyond 2^53, however it is written
 * (9007199254740993, 9007199254740993.0, 90071992547409930e-1), is accepted
 * only when that value is its double's exact value or the value of its
 * canonical form (canon.h), so that canonical text always parses back and
 * no integer is silently changed; a non-zero number too small for a double
 * (1e-400) is refused rather than read as 0.
 */
#ifndef SANSHE_JSON_H
#define SANSHE_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "buf.h"

/** Deepest nesting of arrays and objects accepted. */
#define SANSHE_JSON_MAX_DEPTH 128

/**
 * Most values (strings, numbers, members, items...) in one text: each costs
 * a tree node of about 64 bytes, so a hostile file of tiny values would
 * otherwise cost 40 times its size in memory.  A large roster has tens of
 * thousands of values.
 */
#define SANSHE_JSON_MAX_VALUES 1000000

/** Where a parse failed (1-based line and column). */
typedef struct sanshe_json_pos {
	int line;
	int column;
} sanshe_json_pos;

/**
 * Parse `len` bytes of `text` as one JSON value.
 *
 * @param out     receives the tree, owned by the caller (cJSON_Delete)
 * @param origin  a name for messages (a file name), or NULL
 * @param where   if not NULL, receives the position of a failure
 * @return 0, SANSHE_EPARSE with "origin:line:column: reason", or
 *         SANSHE_ENOMEM
 */
int sanshe_json_parse(cJSON **out, const char *text, size_t len,
		      const char *origin, sanshe_json_pos *where);

/** sanshe_json_parse of text that starts on line `first_line` of `origin`. */
int sanshe_json_parse_at(cJSON **out, const char *text, size_t len, const char *origin,
			 int first_line, sanshe_json_pos *where);

/** Largest JSON file sanshe_json_parse_file reads. */
#define SANSHE_JSON_FILE_MAX (64u << 20)

/**
 * Read a whole file (or standard input when `path` is NULL or "-") and
 * parse it.  The message names the file.
 */
int sanshe_json_parse_file(cJSON **out, const char *path);

/**
 * Is `s` (of `len` bytes) valid UTF-8: shortest forms only, no surrogates,
 * nothing above U+10FFFF?  On failure `*bad` is the offset of the first bad
 * byte.
 */
int sanshe_utf8_valid(const char *s, size_t len, size_t *bad);

/**
 * The length of the longest prefix of `s` of at most `max` bytes that does
 * not cut a UTF-8 character in two (for truncating text in messages).
 */
size_t sanshe_utf8_prefix(const char *s, size_t max);

/** Number of code points in a valid UTF-8 string. */
size_t sanshe_utf8_length(const char *s);

/**
 * Append the RFC 6901 JSON pointer escape of `token` ("~" → "~0",
 * "/" → "~1") after a "/" to `pointer`.
 */
int sanshe_json_pointer_push(sanshe_buf *pointer, const char *token);

/** Same, for an array index. */
int sanshe_json_pointer_push_index(sanshe_buf *pointer, size_t index);

/**
 * The value that the RFC 6901 pointer `pointer` names in `root` ("" is
 * `root` itself; "/notes/0" an element), borrowed from `root`; NULL when
 * it names nothing or is not a pointer ("-", an index like "01" or a lone
 * '~' name nothing).  A step into an array names the element that is an
 * object with that "id" when there is one ("/referrals/r-2"), else the
 * element at that index: conflict paths name records by id.
 */
cJSON *sanshe_json_pointer_get(const cJSON *root, const char *pointer);

/**
 * Put `value` at `pointer` in `root`: it replaces the member or element
 * there, or becomes a new member of the object that holds it.  `value` is
 * taken over, also on failure.  SANSHE_ENOTFOUND when the object or array
 * that would hold it is not there (or the index is past the end),
 * SANSHE_EINVALID for "" (the root cannot be replaced in place); the
 * message names the pointer.
 */
int sanshe_json_pointer_set(cJSON *root, const char *pointer, cJSON *value);

/**
 * Remove the member or element at `pointer` from `root` (the elements
 * after it move up).  SANSHE_ENOTFOUND when there is none, SANSHE_EINVALID
 * for "".
 */
int sanshe_json_pointer_remove(cJSON *root, const char *pointer);

/** Are two trees equal as JSON values (objects unordered, numbers by value)? */
int sanshe_json_equal(const cJSON *a, const cJSON *b);

#endif
