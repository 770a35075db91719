#!/bin/sh
# make demo: the main job of sanshe so far, in a scratch directory.
# A social-work agency makes its signing key, signs its records (a case file,
# a visit note, a roster, a project and its ledger), checks them, and shows
# that a record changed after signing is refused.
set -eu
sanshe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
examples=$(cd "$(dirname "$0")/../schemas/examples" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/sanshe-demo.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
export SANSHE_HOME="$scratch/home"
export SANSHE_PASSPHRASE="demo passphrase, never use one like it"
export SANSHE_KDF=interactive

step() {
	printf '\n\033[1m== %s\033[0m\n' "$*" | { [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && cat || sed 's/\x1b\[[0-9;]*m//g'; }
}
run() {
	printf '$ sanshe %s\n' "$*"
	"$sanshe" "$@"
}

step "1. the agency's social worker makes a signing key"
run key new wang-fang
run key show wang-fang

step "2. records are validated against their schemas"
for t in case case-note roster project ledger-entry; do
	run validate "$examples/$t.json"
done

step "3. each record is signed: canonical JSON with _sig {key, at, sig}"
for t in case case-note roster project ledger-entry org member; do
	"$sanshe" sign "$examples/$t.json" >"$t.signed.json"
done
echo "signed: $(ls ./*.signed.json | wc -l) documents"
run canon case.signed.json | head -c 400; echo " …"

step "4. anyone holding the public key checks them"
for t in case case-note roster project ledger-entry org member; do
	run check "$t.signed.json"
done

step "5. a record changed after signing is refused"
sed 's/"risk_level":"[a-z]*"/"risk_level":"low"/' case.signed.json >tampered.json
grep -o '"risk_level":"[a-z]*"' tampered.json
if run check tampered.json; then
	echo "demo: the tampered record was accepted — this is a bug" >&2
	exit 1
fi

step "6. an invalid record is refused with the field that is wrong"
run validate "$examples/invalid/case-consent-undated-bad-id-number.json" || true

printf '\ndemo finished: records signed, checked, tampering and invalid data refused\n'
