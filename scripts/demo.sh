#!/bin/sh
# make demo: the main job of sanshe, in a scratch directory.
# A social-work agency makes its signing key, signs its records (a case file,
# a visit note, a roster, a project and its ledger), checks them, and shows
# that a record changed after signing is refused.  Then it founds its node:
# records are written, edited and listed as signed commits, stock git
# verifies the whole history, and so does sanshe verify, which leaves its
# HTML report beside the binary (build/demo-verify.html).  Then a community
# office and a street office join the federation, each with its own key and
# node; all three work offline, two of them changing the same field of the
# volunteer roster; the week's records travel from the street office to the
# agency on a sealed USB bundle and between the agency and the community
# office over the network; the conflict is shown and settled; every node
# ends with the same records, and stock git verifies every commit on each.
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

# ---- three offices ----

# at OFFICE CMD...: run sanshe as that office (its own home and node).
at() {
	office=$1
	shift
	printf '[%s] $ sanshe %s\n' "$office" "$*"
	SANSHE_HOME="$scratch/home-$office" SANSHE_REPO="$scratch/$office" "$sanshe" "$@"
}
mkdir -p "$scratch/home-community" "$scratch/home-street"
ln -s "$scratch/home" "$scratch/home-agency"
ln -s "$scratch/tongxin" "$scratch/agency"

step "13. a community office and a street office join: their keys, added to the roster by the agency's admin"
at community key new zhao-min >/dev/null
at street key new liu-qiang >/dev/null
SANSHE_HOME="$scratch/home-community" "$sanshe" key show zhao-min >zhao-min.pub
SANSHE_HOME="$scratch/home-street" "$sanshe" key show liu-qiang >liu-qiang.pub
at agency org add 和平社区居委会 --kind community --id heping --reader tongxin
at agency org add 东城街道办事处 --kind street-office --id dongcheng --reader tongxin
at agency org readers tongxin --add dongcheng
at agency member add --name "Zhao Min" --org heping --role coordinator --public-key "$scratch/zhao-min.pub" | tee zhao-min.id
at agency member add --name "Liu Qiang" --org dongcheng --role coordinator --public-key "$scratch/liu-qiang.pub" | tee liu-qiang.id
liu_qiang=$(sed -n 's/^\([0-9a-f-]*\) .*/\1/p' liu-qiang.id)
founder=$("$sanshe" key show wang-fang | grep -o 'SHA256:[A-Za-z0-9+/]*' | head -n 1)

step "14. the agency serves its node on the office network; the others make theirs from it"
SANSHE_REPO="$scratch/agency" "$sanshe" serve --listen 127.0.0.1:0 >serve.out 2>serve.log &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$scratch"' EXIT
for i in $(seq 50); do grep -q 'serving' serve.out 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' serve.out)
cat serve.out
unset SANSHE_REPO
SANSHE_HOME="$scratch/home-community" run clone "tcp://127.0.0.1:$port" community --expect "$founder"
SANSHE_HOME="$scratch/home-street" run clone "tcp://127.0.0.1:$port" street --expect "$founder"

step "15. a week offline: everyone works, and two offices change the same roster"
roster_ref=$("$sanshe" -C "$scratch/agency" ls roster)
# team TEXT: the roster with its team renamed, as an office's coordinator would write it
team() {
	SANSHE_HOME="$scratch/home-$1" SANSHE_REPO="$scratch/$1" "$sanshe" get "$roster_ref" |
		python3 -c 'import json, sys; d = json.load(sys.stdin); [d.pop(k) for k in ("_sig", "_conflicts") if k in d]; d["team"] = sys.argv[1]; print(json.dumps(d, ensure_ascii=False))' "$2" >"$scratch/roster-$1.json"
	at "$1" put "$scratch/roster-$1.json"
}
team community "和平社区助老志愿服务队"
sleep 1
team street "东城街道和平社区助老志愿服务队"
python3 - "$examples/case-note.json" >week.jsonl <<'PY'
import json, sys
base = json.load(open(sys.argv[1]))
for day in range(1, 6):
    d = dict(base, id="visit-2023-04-%02d" % day, date="2023-04-%02d" % day)
    print(json.dumps(d, ensure_ascii=False))
PY
at agency import "$scratch/week.jsonl"

step "16. Friday: the street office's week goes to the agency on a sealed USB bundle"
mkdir -p usb
at street bundle create -o "$scratch/usb/dongcheng-week.sanshe" --to tongxin
ls -l usb | sed -n '2p'
at agency sync "$scratch/usb/dongcheng-week.sanshe"
echo "# the same bundle again changes nothing"
at agency sync "$scratch/usb/dongcheng-week.sanshe"

step "17. the community office syncs with the agency over the network: the conflict appears"
at community sync "tcp://127.0.0.1:$port"
at community conflicts

step "18. the community coordinator settles it, and syncs again"
at community resolve "$roster_ref" --path /team --take 1
at community sync "tcp://127.0.0.1:$port" --json
echo
echo "# the agency's bundle for the street office: only what it lacks"
at agency bundle create -o "$scratch/usb/tongxin-week.sanshe" --to dongcheng --since "$liu_qiang"
at street sync "$scratch/usb/tongxin-week.sanshe"
kill "$server"
wait "$server" || true
echo "# the agency's server log, one line per session:"
cat serve.log

step "19. every office holds the same records, and stock git verifies every commit"
for office in agency community street; do
	printf '%-10s' "$office"
	for space in trust common org/tongxin; do
		printf ' %s=%s' "$space" "$(git -C "$scratch/$office" rev-parse --short "$space" 2>/dev/null || echo -)"
	done
	echo
done
for space in trust common; do
	a=$(git -C "$scratch/agency" rev-parse "$space")
	for office in community street; do
		test "$(git -C "$scratch/$office" rev-parse "$space")" = "$a" ||
			{ echo "demo: $office's $space differs from the agency's" >&2; exit 1; }
	done
done
test "$(git -C "$scratch/street" rev-parse org/tongxin)" = "$(git -C "$scratch/agency" rev-parse org/tongxin)" ||
	{ echo "demo: the street office's copy of the agency's case files differs" >&2; exit 1; }
if git -C "$scratch/community" rev-parse --verify -q org/tongxin >/dev/null; then
	echo "demo: the community office holds case files it may not read" >&2
	exit 1
fi
echo "the community office holds no case files of the agency: its organization may not read them"
SANSHE_HOME="$scratch/home-street" SANSHE_REPO="$scratch/street" "$sanshe" export allowed-signers -o "$scratch/signers-all"
for office in agency community street; do
	n=0
	for c in $(git -C "$scratch/$office" rev-list --all); do
		git -C "$scratch/$office" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$scratch/signers-all" \
			verify-commit "$c" 2>/dev/null || { echo "demo: $office: commit $c does not verify" >&2; exit 1; }
		n=$((n + 1))
	done
	echo "$office: git verify-commit accepts all $n commits"
done
SANSHE_HOME="$scratch/home-street" run -C "$scratch/street" verify

printf '\ndemo finished: records signed, checked and committed; tampering and invalid data refused; three offices synced by USB bundle and over the network; the conflict kept and settled; every node the same; git and sanshe verify every commit\n'
