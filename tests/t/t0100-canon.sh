#!/bin/sh
# sanshe canon: the RFC 8785 vectors, and malformed input refused with line:column.
. "$(dirname "$0")/lib.sh"

for f in "$TESTDATA"/jcs/input/*.json; do
	name=$(basename "$f")
	expect_ok "canon $name matches the RFC 8785 output byte for byte" "
		sanshe canon '$f' >out && cmp out '$TESTDATA/jcs/output/$name'
	"
done

expect_ok "canon reads standard input without FILE" '
	printf "{ \"b\": 1, \"a\": [1.0, 2e0] }" | sanshe canon >out &&
	printf "{\"a\":[1,2],\"b\":1}" | cmp - out
'

expect_ok "a duplicate member is refused with its line and column" '
	printf "{\n  \"a\": 1,\n  \"a\": 2\n}\n" >dup.json
	! sanshe canon dup.json >out 2>err
	test "$(cat err)" = "sanshe: dup.json:3:3: duplicate member name \"a\"" && test ! -s out
'

expect_ok "a leading zero is refused in one line" '
	echo "[01]" >z.json
	! sanshe canon z.json 2>err
	test "$(wc -l <err)" -eq 1 && grep -q "z.json:1:2: leading zeros" err
'

expect_ok "a NUL escape is refused, not truncated" '
	printf "[\"a\\\\u0000b\"]" >nul.json
	! sanshe canon nul.json 2>err && grep -q "NUL" err
'

expect_ok "invalid UTF-8 is refused" '
	printf "[\"\377\"]" >bad.json
	! sanshe canon bad.json 2>err && grep -q "invalid UTF-8" err
'

expect_ok "a missing file is one clear line, exit 1" '
	rc=0; sanshe canon nothere.json 2>err || rc=$?; test $rc -eq 1
	grep -q "cannot open .nothere.json." err && test "$(wc -l <err)" -eq 1
'

expect_ok "wrong usage exits 2 with the usage" '
	rc=0; sanshe canon a b 2>err || rc=$?; test $rc -eq 2
	grep -q "usage: sanshe canon" err
'

expect_ok "help is printed with --help" '
	sanshe canon --help | grep -q "usage: sanshe canon"
'

done_testing
