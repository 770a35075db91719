#!/bin/sh
# Write the seed corpora of the fuzz targets from the repository's own
# files, one input a file:
#
#   fuzz-seeds.sh OUT
#
#   OUT/json    every schema and example, the RFC 8785 inputs, and each
#               schema and instance of the JSON Schema Test Suite
#   OUT/doc     every example document, valid, invalid and signed
#   OUT/schema  "schema NUL instance": each type schema with its examples,
#               each case of the JSON Schema Test Suite, and a few
#               patterns that backtrack without end
#   OUT/bundle  for fuzz_bundle: a bundle made by git (its header, mode 0),
#               the start of a sealed bundle (mode 1), a few bytes to seal
#               (mode 2)
#   OUT/sshsig  SSH signatures of fuzz_sshsig's message made by ssh-keygen
#               (sha512 and sha256), one of them rewrapped at 76 columns
#   OUT/frame   a first byte for each mode of fuzz_frame: a stream of
#               frames (prefixes at and over the limit) and a round trip
#               with and without a changed byte
#   OUT/handshake  for each of the four messages: replaced by a message of
#               the right length, and one byte of the genuine one changed
#
# Needs jq to take the test suite apart.  SANSHE_TESTDATA as in run-tests.sh.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
testdata=${SANSHE_TESTDATA:-$top/../shared/testdata}
suite=$testdata/json-schema-2020-12
tab=$(printf '\t')

command -v jq >/dev/null || {
	echo "fuzz-seeds.sh: jq is needed (apt-get install jq)" >&2
	exit 1
}
rm -rf "$out"
mkdir -p "$out/json" "$out/doc" "$out/schema" "$out/sshsig" "$out/frame" \
	"$out/handshake" "$out/bundle"

examples=$(find "$top/schemas/examples" -name '*.json' | sort)
n=0
for f in "$top"/schemas/*.json $examples "$testdata"/jcs/input/*.json; do
	n=$((n + 1))
	cp "$f" "$out/json/repo-$n.json"
done
n=0
for f in $examples; do
	n=$((n + 1))
	cp "$f" "$out/doc/example-$n.json"
done

# A type schema with each example whose file name starts with the type.
for schema in "$top"/schemas/*.json; do
	type=$(basename "$schema" .json)
	n=0
	for f in $(find "$top/schemas/examples" -name "$type*.json" | sort); do
		n=$((n + 1))
		{ cat "$schema"; printf '\0'; cat "$f"; } >"$out/schema/$type-$n"
	done
done

printf '{"pattern": "^(a+)+$"}\0"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"' >"$out/schema/backtrack-1"
printf '{"patternProperties": {"^(a|aa)+$": true}}\0{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab": 1}' \
	>"$out/schema/backtrack-2"

# The test suite: one line per case, the schema and the instance as compact
# JSON separated by a tab (compact JSON never holds a raw tab).
n=0
for f in "$suite"/*.json; do
	jq -r '.[] | (.schema | tojson) as $s | .tests[] | "\($s)\t\(.data | tojson)"' "$f"
done | while IFS=$tab read -r schema instance; do
	n=$((n + 1))
	printf '%s\0%s' "$schema" "$instance" >"$out/schema/suite-$n"
	printf '%s' "$schema" >"$out/json/suite-schema-$n.json"
	printf '%s' "$instance" >"$out/json/suite-instance-$n.json"
done

# SSH signatures of the message tests/fuzz/fuzz_sshsig.c checks.
keys=$(mktemp -d)
ssh-keygen -q -t ed25519 -N '' -C fuzz -f "$keys/k"
printf 'case c-17: home visit\n' >"$keys/msg"
for hash in sha512 sha256; do
	ssh-keygen -q -Y sign -f "$keys/k" -n git -O hashalg=$hash "$keys/msg" 2>/dev/null
	mv "$keys/msg.sig" "$out/sshsig/ssh-keygen-$hash"
done
{
	sed -n 1p "$out/sshsig/ssh-keygen-sha512"
	sed '1d;$d' "$out/sshsig/ssh-keygen-sha512" | tr -d '\n' | fold -w 76
	echo
	sed -n '$p' "$out/sshsig/ssh-keygen-sha512"
} >"$out/sshsig/width-76"
rm -rf "$keys"

# Wire frames (tests/fuzz/fuzz_frame.c): mode byte, then its input.
printf '\000\000\020\000\021' >"$out/frame/stream-at-limit"
printf '\000\000\020\000\022' >"$out/frame/stream-over-limit"
printf '\000\000\000\000\021%017d' 0 >"$out/frame/stream-empty-frame"
printf '\001\000\000\000case c-17: home visit' >"$out/frame/round-trip"
printf '\001\000\011\001case c-17: home visit' >"$out/frame/round-trip-changed"

# The handshake (tests/fuzz/fuzz_handshake.c): message m replaced by bytes
# of the right length, or its byte 9 (or 300) flipped.
for m in 0 1 2 3; do
	if [ $m -lt 2 ]; then n=64; else n=296; fi
	{ printf "\\$(printf %03o $m)"; head -c $n /dev/zero; } >"$out/handshake/replace-$m"
	printf "\\$(printf %03o $((128 + m)))\\000\\011\\001" >"$out/handshake/flip-$m"
	printf "\\$(printf %03o $((128 + m)))\\001\\054\\200" >"$out/handshake/flip-late-$m"
done
printf '\200' >"$out/handshake/unspoiled"

# Bundles for tests/fuzz/fuzz_bundle.c; the first byte picks the mode.
repo=$(mktemp -d)
git -C "$repo" init -q -b common
printf '{"id":"c-1"}' >"$repo/c-1.json"
git -C "$repo" add c-1.json
git -C "$repo" -c user.name=fuzz -c user.email=fuzz@o1 commit -q -m one
printf '{"id":"c-2"}' >"$repo/c-2.json"
git -C "$repo" add c-2.json
git -C "$repo" -c user.name=fuzz -c user.email=fuzz@o1 commit -q -m two
git -C "$repo" bundle create -q "$repo/all.bundle" common 2>/dev/null
git -C "$repo" bundle create -q "$repo/tip.bundle" HEAD~1..common 2>/dev/null
for b in all tip; do
	{ printf '\000'; cat "$repo/$b.bundle"; } >"$out/bundle/git-$b"
done
rm -rf "$repo"
{ printf '\001SANSHE-BUNDLE 1\n'; head -c 32 /dev/zero; printf '\000\001'; } >"$out/bundle/sealed-start"
printf '\002# v2 git bundle\n' >"$out/bundle/seal-header"
printf '\002' >"$out/bundle/seal-nothing"
