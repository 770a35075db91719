#!/bin/sh
# make demo: the main job of sanshe so far, in a scratch directory.
# A social-work agency makes its signing key, signs its records (a case file,
# a visit note, a roster, a project and its ledger), checks them, and shows
# that a record changed after signing is refused.  Then it founds its node:
# records are written, edited and listed as signed commits, stock git
# verifies the whole history, and so does sanshe verify, which leaves its
# HTML report beside the binary (build/demo-verify.html).
set -eu
sanshe=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
examples=$(cd "$(dirname "$0")/../schemas/examples" && pwd)
report=$(cd "$(dirname "$1")" && pwd)/demo-verify.html
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

step "7. the agency founds its node: a git repository with its trust roster"
export SANSHE_REPO="$scratch/tongxin"
# a small office: its founder is admin, social worker, coordinator, supervisor and finance
run init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Fang" --key wang-fang --org-id tongxin \
	--role social-worker --role coordinator --role supervisor --role finance

step "8. records are written as signed commits, each in its space"
for t in case case-note roster project ledger-entry; do
	run put "$examples/$t.json"
done
case_ref=$("$sanshe" ls case)

step "9. a social worker raises the client's risk level in an editor"
# the "editor" here is a script that does what the worker would type
printf '#!/bin/sh\nsed -i "s/\\"risk_level\\": \\"medium\\"/\\"risk_level\\": \\"high\\"/" "$1"\n' >raise-risk
chmod +x raise-risk
EDITOR="$scratch/raise-risk" run edit "$case_ref"
"$sanshe" get "$case_ref" --pretty | grep '"risk_level"'
echo "# a month of visit notes, imported in one commit"
python3 - "$examples/case-note.json" >notes.jsonl <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))
for day in range(1, 31):
    d = dict(base, id="visit-2023-03-%02d" % day, date="2023-03-%02d" % day)
    print(json.dumps(d, ensure_ascii=False))
PY
run import notes.jsonl

step "10. what is there, and who did what"
run status
run log --space org/tongxin | head -6

step "11. an auditor checks the history with nothing but git"
run export allowed-signers -o signers
printf '$ git verify-commit <every commit>\n'
n=0
for c in $(git -C "$SANSHE_REPO" rev-list --all); do
	git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$scratch/signers" \
		verify-commit "$c" 2>/dev/null || { echo "demo: commit $c does not verify" >&2; exit 1; }
	n=$((n + 1))
done
echo "all $n commits carry a good signature by a member of the roster"
git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$scratch/signers" \
	log --show-signature -1 --format='%h %an <%ae>%n%B' org/tongxin 2>&1 | sed -n '1,4p'
git -C "$SANSHE_REPO" fsck --strict && echo "git fsck --strict: clean"

step "12. the auditor's own check: every signature, role, schema and merge, and a report"
run verify --html "$report"
echo "the auditor's report, for a browser: $report"

printf '\ndemo finished: records signed, checked and committed; tampering and invalid data refused; git and sanshe verify every commit\n'
