#!/bin/sh
# sanshe canon: the RFC 8785 vectors, and malformed input refused with line:column.
. "$(dirname "$0")/lib.sh"

for f in "$TESTDATA"/jcs/input/*.json; do
	name=$(basename "$f")
	expect_ok "canon $name matches the RFC 8785 output byte for byte" "
		sanshe canon '$f' >got
		cmp got '$TESTDATA/jcs/output/$name'
	"
done

expect_ok "canon reads standard input without FILE" '
	printf "{ \"b\": 1, \"a\": [1.0, 2e0] }" | sanshe canon >got
	printf "{\"a\":[1,2],\"b\":1}" | cmp - got
'

expect_ok "a duplicate member is refused with its line and column" '
	printf "{\n  \"a\": 1,\n  \"a\": 2\n}\n" >dup.json
	status_is 1 sanshe canon dup.json
	test "$(cat err)" = "sanshe: dup.json:3:3: duplicate member name \"a\""
	test ! -s out
'

expect_ok "a leading zero is refused in one line" '
	echo "[01]" >z.json
	status_is 1 sanshe canon z.json
	one_line err
	grep -q "z.json:1:2: leading zeros" err
'

expect_ok "a NUL escape is refused, not truncated" '
	printf "[\"a\\\\u0000b\"]" >nul.json
	grep -q "u0000" nul.json
	status_is 1 sanshe canon nul.json
	grep -q "NUL" err
'

expect_ok "invalid UTF-8 is refused" '
	printf "[\"\377\"]" >bad.json
	status_is 1 sanshe canon bad.json
	grep -q "invalid UTF-8" err
'

expect_ok "an integer a double cannot hold is refused, however it is written" '
	for n in 9007199254740993 9007199254740993.0 9007199254740993e0 90071992547409930e-1; do
		echo "[$n]" >big.json
		status_is 1 sanshe canon big.json
		grep -q "cannot be held exactly" err
	done
'

expect_ok "a number too small for a double is refused, not turned into 0" '
	echo "[1e-400]" >tiny.json
	status_is 1 sanshe canon tiny.json
	grep -q "too small" err
'

expect_ok "a missing file is one clear line, exit 1" '
	status_is 1 sanshe canon nothere.json
	grep -q "cannot open .nothere.json." err
	one_line err
'

expect_ok "wrong usage exits 2 with the usage" '
	status_is 2 sanshe canon a b
	grep -q "usage: sanshe canon" err
'

expect_ok "help is printed with --help" '
	sanshe canon --help >out
	grep -q "usage: sanshe canon" out
'

done_testing
