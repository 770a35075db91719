#!/bin/sh
# validate, sign and check: records against their schemas, signatures made
# and verified, tampering and bad input refused with one clear line.
. "$(dirname "$0")/lib.sh"

TYPES="case case-note ledger-entry member org project roster"

# at FILE: the signing time in a signed document.
at() {
	sed 's/.*"at":"\([^"]*\)".*/\1/' "$1"
}

expect_ok "every valid example validates" '
	for t in $TYPES; do
		sanshe validate "$EXAMPLES/$t.json" >out
		grep -q "^ok: $t " out
	done
'

expect_ok "every invalid example is refused at exactly its pointers, a line each" '
	for f in "$EXAMPLES"/invalid/*.json; do
		status_is 1 sanshe validate --json "$f"
		mv out report.json
		python3 -c "
import json
v = json.load(open(\"report.json\"))[\"violations\"]
print(\"\\n\".join(sorted({x[\"pointer\"] for x in v})))
open(\"count\", \"w\").write(str(len(v)))" >got
		sort -u "${f%.json}.pointers" | cmp - got
		status_is 1 sanshe validate "$f"
		test "$(wc -l <out)" -eq "$(cat count)"
		test ! -s err
	done
'

expect_ok "validate --type checks against another type" '
	status_is 1 sanshe validate --type roster "$EXAMPLES/org.json"
	grep -q "^/type: " out
'

expect_ok "an unknown type is one clear line" '
	echo "{\"type\": \"recipe\", \"id\": \"r1\"}" >r.json
	status_is 1 sanshe validate r.json
	test "$(cat err)" = "sanshe: unknown document type '"'"'recipe'"'"'"
'

expect_ok "malformed JSON gives file:line:column" '
	printf "{\n  \"type\": \"case\",\n  \"id\": 01\n}\n" >m.json
	status_is 1 sanshe validate m.json
	grep -q "^sanshe: m.json:3:9: leading zeros" err
'

expect_ok "a key for signing" '
	sanshe key new wang-fang >/dev/null
'

expect_ok "sign prints the signed canonical document" '
	sanshe sign "$EXAMPLES/case.json" >case.signed.json
	tr -d "\n" <case.signed.json >c1
	sanshe canon case.signed.json >c2
	cmp c1 c2
	grep -q "\"_sig\":{\"at\":\"[0-9T:.Z-]*/[0-9]*\",\"key\":\"SHA256:" case.signed.json
'

expect_ok "check accepts every signed example and names the signer" '
	fp=$(sanshe key show wang-fang | grep "^SHA256:")
	for t in $TYPES; do
		sanshe sign "$EXAMPLES/$t.json" >$t.signed.json
		sanshe check $t.signed.json >out
		grep -q "^ok: $t .*signed by $fp at " out
	done
'

expect_ok "a record without id gets a UUIDv7" '
	grep -v "\"id\"" "$EXAMPLES/org.json" >noid.json
	sanshe sign noid.json >noid.signed.json
	grep -Eq "\"id\":\"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\"" noid.signed.json
'

expect_ok "a changed field is refused, naming the document and the key" '
	sed "s/\"risk_level\":\"[a-z]*\"/\"risk_level\":\"low\"/" case.signed.json >t.json
	not cmp -s t.json case.signed.json
	status_is 1 sanshe check t.json
	one_line err
	grep -q "case .*signature by SHA256:.* does not match" err
'

expect_ok "a changed signing time is refused" '
	sed "s/\"at\":\"20[0-9][0-9]-/\"at\":\"2019-/" case.signed.json >t2.json
	not cmp -s t2.json case.signed.json
	status_is 1 sanshe check t2.json
	grep -q "does not match" err
'

expect_ok "a document signed by a key this home does not know is refused" '
	SANSHE_HOME="$SCRATCH/other" sanshe key new stranger >/dev/null
	SANSHE_HOME="$SCRATCH/other" sanshe sign "$EXAMPLES/org.json" >stranger.json
	status_is 1 sanshe check stranger.json
	grep -q "does not know" err
'

expect_ok "check reports both a broken signature and every wrong field" '
	python3 -c "
import json
d=json.load(open(\"case-note.signed.json\"))
d[\"minutes\"]=-5
print(json.dumps(d,ensure_ascii=False,separators=(\",\",\":\"),sort_keys=True))" >neg.json
	status_is 1 sanshe check neg.json
	grep -q "does not match" err
	grep -q "case-note .*: /minutes: " err
'

expect_ok "check refuses any spelling of a signed document but its canonical form" '
	sanshe check org.signed.json >/dev/null
	python3 -m json.tool org.signed.json >pretty.json
	status_is 1 sanshe check pretty.json
	grep -q "not in canonical form (it differs at byte 2)" err
	sed "s/\"type\":\"org\"/\"type\":\"\\\\u006frg\"/" org.signed.json >escaped.json
	grep -q "u006frg" escaped.json
	status_is 1 sanshe check escaped.json
	grep -q "not in canonical form" err
	sanshe canon pretty.json >again.json
	sanshe check again.json >/dev/null
'

expect_ok "an unsigned record is refused by check" '
	status_is 1 sanshe check "$EXAMPLES/case.json"
	grep -q "not signed" err
'

expect_ok "sign refuses an invalid record and prints nothing" '
	status_is 1 sanshe sign "$EXAMPLES/invalid/case-missing-client-name.json"
	test ! -s out
	grep -q "/client/name" err
'

expect_ok "a wrong passphrase is one clear line and nothing is printed" '
	SANSHE_PASSPHRASE=wrong status_is 1 sanshe sign "$EXAMPLES/org.json"
	test ! -s out
	one_line err
	grep -q "passphrase" err
'

expect_ok "a missing key is one clear line" '
	status_is 1 sanshe sign --key nobody "$EXAMPLES/org.json"
	test ! -s out
	one_line err
	grep -q "nobody" err
'

expect_ok "the signing clock never goes backwards" '
	sanshe sign "$EXAMPLES/org.json" >s1.json
	sanshe sign "$EXAMPLES/org.json" >s2.json
	test "$(at s1.json)" \< "$(at s2.json)"
'

expect_ok "re-signing replaces _sig and verifies" '
	sanshe sign case.signed.json >again.json
	sanshe check again.json >/dev/null
	test "$(grep -o "\"_sig\"" again.json | wc -l)" -eq 1
'

expect_ok "a new version is signed after the one it replaces, even from a clock ahead" '
	ahead=$(python3 -c "
import datetime as d
t=d.datetime.now(d.timezone.utc)+d.timedelta(hours=3)
print(t.strftime(\"%Y-%m-%dT%H:%M:%S.\")+\"%03dZ/0042\" % (t.microsecond//1000))")
	sed "s|\"at\":\"[^\"]*\"|\"at\":\"$ahead\"|" org.signed.json >ahead.json
	grep -q "$ahead" ahead.json
	sanshe sign ahead.json >new.json
	test "$ahead" \< "$(at new.json)"
'

expect_ok "a version dated far in the future is refused with what to check" '
	sed "s|\"at\":\"20[0-9][0-9]-|\"at\":\"2099-|" org.signed.json >future.json
	status_is 1 sanshe sign future.json
	test ! -s out
	grep -q "dated 2099-.*check both clocks" err
'

expect_ok "validate --json lists the violations" '
	status_is 1 sanshe validate --json "$EXAMPLES/invalid/case-closed-without-date.json"
	python3 -c "
import json
r=json.load(open(\"out\"))
assert r[\"valid\"] is False and r[\"type\"]==\"case\", r
assert [v[\"pointer\"] for v in r[\"violations\"]]==[\"/closed\"], r"
	sanshe validate --json "$EXAMPLES/org.json" >out
	python3 -c "
import json; r=json.load(open(\"out\")); assert r[\"valid\"] is True and r[\"violations\"]==[], r"
'

expect_ok "check --json gives the signer, or the problems" '
	fp=$(sanshe key show wang-fang | grep "^SHA256:")
	sanshe check --json case.signed.json >out
	python3 -c "
import json; r=json.load(open(\"out\"))
assert r[\"valid\"] and r[\"canonical\"] and r[\"signature\"][\"valid\"], r
assert r[\"signature\"][\"key\"]==\"$fp\", r"
	status_is 1 sanshe check --json neg.json
	python3 -c "
import json; r=json.load(open(\"out\"))
assert not r[\"valid\"] and not r[\"signature\"][\"valid\"], r
assert \"does not match\" in r[\"signature\"][\"problem\"], r
assert [v[\"pointer\"] for v in r[\"violations\"]]==[\"/minutes\"], r"
'

expect_ok "control characters from a document never reach the terminal raw" '
	printf "{\"type\":\"ca\\\\u001b[31mse\",\"id\":\"x\"}" >esc.json
	grep -q "u001b" esc.json
	status_is 1 sanshe validate esc.json
	grep -q "ca.x1B\[31mse" err
	not grep -q "$(printf "\033")" err
'

expect_ok "wrong usage exits 2" '
	for cmd in "sign" "check" "validate" "sign a b" "check --bogus x" "validate --type"; do
		status_is 2 sanshe $cmd
		grep -q "usage: sanshe" err
	done
'

expect_ok "-C runs in another directory" '
	mkdir -p sub
	cp "$EXAMPLES/org.json" sub/o.json
	sanshe -C sub validate o.json >/dev/null
'

done_testing
