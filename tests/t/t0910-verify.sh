#!/bin/sh
# sanshe verify, the auditor's check: a clean federation passes; each
# violation, made on purpose with plain git or a key of our own, is
# reported by its rule and exits 1; a revoked key's old commits pass while
# its new ones fail, and stock git agrees; history signed by a revoked key
# that arrives after the revocation waits in quarantine for an admin.
. "$(dirname "$0")/lib.sh"

N="$SCRATCH/node"
G="git -C $N"

# rules_of: the rules verify --json reports, one per line, sorted.
rules_of() {
	sanshe -C "$N" verify --json >v.json || true
	python3 -c 'import json; print("\n".join(sorted(set(f["rule"] for f in json.load(open("v.json"))["findings"]))))'
}

# commit_files SPACE MESSAGE [PATH=BLOB | -PATH]...: a commit made with plain
# git (unsigned unless SIGN_WITH names an ssh key file) on SPACE's head,
# changing those paths; prints its id.
commit_files() {
	space=$1
	msg=$2
	shift 2
	export GIT_INDEX_FILE="$SCRATCH/.index"
	rm -f "$GIT_INDEX_FILE"
	$G read-tree "$space"
	for change in "$@"; do
		case $change in
		-*) printf '0 %040d\t%s\n' 0 "${change#-}" | $G update-index --index-info ;;
		*) $G update-index --add --cacheinfo "100644,${change#*=},${change%%=*}" ;;
		esac
	done
	tree=$($G write-tree)
	unset GIT_INDEX_FILE
	if [ -n "${SIGN_WITH:-}" ]; then
		$G -c gpg.format=ssh -c user.signingkey="$SIGN_WITH" commit-tree -S "$tree" -p "$space" -m "$msg"
	else
		$G commit-tree "$tree" -p "$space" -m "$msg"
	fi
}

# path_of TYPE ID: where the document is kept.
path_of() {
	h=$(printf %s "$2" | sha256sum | cut -c1-2)
	echo "$1/$h/$2.json"
}

# with_head SPACE COMMIT: SPACE moved to COMMIT with plain git (the old head in $old).
with_head() {
	old=$($G rev-parse "$1")
	$G update-ref "refs/heads/$1" "$2"
}

case_json() {
	python3 -c "import json,sys; d=json.load(open(\"$EXAMPLES/case.json\")); d[\"id\"]=sys.argv[1]; print(json.dumps(d, ensure_ascii=False))" "$1" >"$1.json"
}

note_json() {
	python3 -c "import json,sys; d=json.load(open(\"$EXAMPLES/case-note.json\")); d[\"id\"]=sys.argv[1]; d[\"case\"]=sys.argv[2]; print(json.dumps(d, ensure_ascii=False))" "$1" "$2" >"$1.json"
}

utc_now() {
	date -u +%Y-%m-%dT%H:%M:%SZ
}

expect_ok "a clean federation passes" '
	sanshe key new wang-li >/dev/null 2>&1
	sanshe key new li-na >/dev/null 2>&1
	sanshe init "$N" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --key wang-li >/dev/null 2>&1
	sanshe -C "$N" member add --name "Li Na" --org tongxin --role social-worker --public-key "$SANSHE_HOME/keys/li-na.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >member.out
	case_json c-old
	sanshe -C "$N" put "$SCRATCH/c-old.json" --key li-na >/dev/null
	note_json n-1 c-old
	sanshe -C "$N" put "$SCRATCH/n-1.json" --key li-na >/dev/null
	status_is 0 sanshe -C "$N" verify
	grep -q "no findings" out
	sanshe -C "$N" verify --json >v.json
	python3 -c "import json; s=json.load(open(\"v.json\"))[\"summary\"]; assert s[\"findings\"]==0 and s[\"commits\"]>=6 and s[\"signatures\"]>=s[\"commits\"], s"
'

expect_ok "the founder, an admin only, may not write case files" '
	case_json c-admin
	head=$($G rev-parse org/tongxin)
	status_is 1 sanshe -C "$N" put "$SCRATCH/c-admin.json" --key wang-li
	one_line err
	grep -q "may not write case" err
	test "$($G rev-parse org/tongxin)" = "$head"
'

expect_ok "a revoked key: its commits before the revocation pass, later ones fail" '
	sleep 1
	cut=$(utc_now)
	sleep 1
	case_json c-new
	sanshe -C "$N" put "$SCRATCH/c-new.json" --key li-na >/dev/null
	new=$($G rev-parse org/tongxin)
	li=$(sanshe -C "$N" member list --json | python3 -c "import json,sys; print([m[\"id\"] for m in json.load(sys.stdin) if m[\"name\"]==\"Li Na\"][0])")
	sanshe -C "$N" member revoke "$li" --reason key-compromised --at "$cut" --key wang-li >/dev/null
	status_is 1 sanshe -C "$N" verify
	grep -q "signer-not-valid" out
	grep -q "${new%${new#????????????}}" out
	not grep -q "c-old" out
	test "$(rules_of)" = "signer-not-valid"
'

expect_ok "stock git verifies the history that spans the revocation" '
	sanshe -C "$N" export allowed-signers -o "$SCRATCH/signers"
	old=$($G log --format=%H -n1 org/tongxin~1)
	$G -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$old" 2>git.err
	grep -q "Good" git.err
	$G -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" log --show-signature trust >git.log 2>&1
	not grep -qi "bad signature\|no principal" git.log
'

# From here on, each violation is made on a copy of the node, so that the
# others do not mask it: the copy is checked alone.
fresh() {
	rm -rf "$SCRATCH/copy"
	cp -a "$N" "$SCRATCH/copy"
	N="$SCRATCH/copy"
	G="git -C $N"
	# the revocation finding of the test above is not what these look for
	$G update-ref refs/heads/org/tongxin org/tongxin~1
	$G update-ref refs/sanshe/accepted/org/tongxin org/tongxin
}

expect_ok "a commit made with plain git, unsigned: commit-unsigned" '
	fresh
	c=$(commit_files org/tongxin "by hand")
	with_head org/tongxin "$c"
	test "$(rules_of)" = "commit-unsigned"
'

expect_ok "a document changed after signing: document-signature-bad" '
	fresh
	p=$(path_of case c-old)
	$G cat-file blob "org/tongxin:$p" | python3 -c "import json,sys; d=json.load(sys.stdin); d[\"risk_level\"]=\"low\" if d.get(\"risk_level\")!=\"low\" else \"high\"; print(json.dumps(d, ensure_ascii=False))" | sanshe canon >forged.json
	b=$($G hash-object -w --stdin <forged.json)
	c=$(commit_files org/tongxin "forged" "$p=$b")
	with_head org/tongxin "$c"
	rules_of >rules
	grep -qx "document-signature-bad" rules
	grep -qx "commit-unsigned" rules
'

expect_ok "a case note changed or removed: append-only-changed" '
	fresh
	p=$(path_of case-note n-1)
	c=$(commit_files org/tongxin "removed a note" "-$p")
	with_head org/tongxin "$c"
	rules_of >rules
	grep -qx "append-only-changed" rules
'

expect_ok "a file out of place, and a file where a folder was: document-invalid, by path" '
	fresh
	b=$(printf "not a document\n" | $G hash-object -w --stdin)
	export GIT_INDEX_FILE="$SCRATCH/.index"
	rm -f "$GIT_INDEX_FILE"
	$G read-tree org/tongxin
	$G update-index --add --cacheinfo "100644,$b,notes.txt"
	$G update-index --add --replace --cacheinfo "100644,$b,case"
	tree=$($G write-tree)
	unset GIT_INDEX_FILE
	c=$($G commit-tree "$tree" -p org/tongxin -m "by hand")
	with_head org/tongxin "$c"
	sanshe -C "$N" verify --json >v.json && exit 1
	python3 -c "import json; print(\"\n\".join(f[\"rule\"] + \" \" + f[\"message\"] for f in json.load(open(\"v.json\"))[\"findings\"]))" >found
	grep -qx "document-invalid '"'"'notes.txt'"'"' is not where a document is kept (<type>/<2 hex>/<id>.json)" found
	grep -qx "document-invalid '"'"'case'"'"' is not where a document is kept (<type>/<2 hex>/<id>.json)" found
'

expect_ok "a merge commit whose tree is not the merge of its parents: merge-mismatch" '
	fresh
	side=$($G rev-parse org/tongxin~1)
	tree=$($G rev-parse "org/tongxin~2^{tree}")
	m=$($G commit-tree "$tree" -p org/tongxin -p "$side" -m "merge by hand")
	with_head org/tongxin "$m"
	rules_of >rules
	grep -qx "merge-mismatch" rules
'

expect_ok "history rewritten under the node: history-rewritten" '
	fresh
	$G update-ref refs/heads/org/tongxin org/tongxin~1
	test "$(rules_of)" = "history-rewritten"
'

expect_ok "keys of our own: signer-unknown, commit-signature-bad, not-allowed" '
	fresh
	ssh-keygen -q -t ed25519 -N "" -C zhao -f "$SCRATCH/zhao"
	ssh-keygen -q -t ed25519 -N "" -C stranger -f "$SCRATCH/stranger"
	sanshe -C "$N" member add --name "Zhao Min" --org tongxin --role finance --public-key "$SCRATCH/zhao.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >/dev/null
	$G update-ref refs/sanshe/accepted/org/tongxin org/tongxin
	p=$(path_of case c-old)
	c=$(SIGN_WITH="$SCRATCH/stranger" commit_files org/tongxin "a stranger")
	with_head org/tongxin "$c"
	test "$(rules_of)" = "signer-unknown"
	$G update-ref refs/heads/org/tongxin "$old"
	c=$(SIGN_WITH="$SCRATCH/zhao" commit_files org/tongxin "finance removes a case" "-$p")
	with_head org/tongxin "$c"
	test "$(rules_of)" = "not-allowed"
	grep -q "Zhao Min" v.json
	$G update-ref refs/heads/org/tongxin "$old"
	c=$(SIGN_WITH="$SCRATCH/zhao" commit_files org/tongxin "signed")
	forged=$($G cat-file commit "$c" | sed "s/^signed$/signed, then changed/" | $G hash-object -t commit -w --stdin)
	with_head org/tongxin "$forged"
	test "$(rules_of)" = "commit-signature-bad"
'

expect_ok "--space and --since narrow the walk; bad arguments are refused" '
	N="$SCRATCH/node"
	status_is 0 sanshe -C "$N" verify --space common
	status_is 1 sanshe -C "$N" verify --space org/nowhere
	one_line err
	status_is 1 sanshe -C "$N" verify --since no-such-commit
	one_line err
	status_is 0 sanshe -C "$N" verify --since org/tongxin
'

expect_ok "a revoked worker's laptop: held in quarantine, accepted by an admin" '
	rm -rf "$SCRATCH/q" "$SCRATCH/laptop"
	sanshe init "$SCRATCH/q" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin --key wang-li >/dev/null 2>&1
	sanshe key new zhou >/dev/null 2>&1
	sanshe -C "$SCRATCH/q" member add --name "Zhou Yan" --org tongxin --role social-worker --public-key "$SANSHE_HOME/keys/zhou.pub" --valid-from 2020-01-01T00:00:00Z --key wang-li >/dev/null
	cp -a "$SCRATCH/q" "$SCRATCH/laptop"
	case_json c-visit
	sanshe -C "$SCRATCH/laptop" put "$SCRATCH/c-visit.json" --key zhou >/dev/null
	sleep 1
	zhou=$(sanshe -C "$SCRATCH/q" member list --json | python3 -c "import json,sys; print([m[\"id\"] for m in json.load(sys.stdin) if m[\"name\"]==\"Zhou Yan\"][0])")
	sanshe -C "$SCRATCH/q" member revoke "$zhou" --reason left --key wang-li >/dev/null
	git -C "$SCRATCH/q" fetch -q "$SCRATCH/laptop" "+org/tongxin:refs/remotes/laptop/org/tongxin"
	head=$(git -C "$SCRATCH/q" rev-parse org/tongxin)
	status_is 1 sanshe -C "$SCRATCH/q" merge laptop/org/tongxin --key wang-li
	grep -q "quarantine" err
	grep -q "Zhou Yan" err
	test "$(git -C "$SCRATCH/q" rev-parse org/tongxin)" = "$head"
	sanshe -C "$SCRATCH/q" quarantine list >list
	grep -q "laptop/org/tongxin" list
	grep -q "Zhou Yan" list
	sanshe -C "$SCRATCH/q" quarantine list --json | python3 -c "import json,sys; q=json.load(sys.stdin); assert q[0][\"name\"]==\"laptop/org/tongxin\" and q[0][\"commits\"][0][\"name\"]==\"Zhou Yan\", q"
	status_is 1 sanshe -C "$SCRATCH/q" quarantine accept laptop/org/tongxin --key zhou
	test "$(git -C "$SCRATCH/q" rev-parse org/tongxin)" = "$head"
	status_is 0 sanshe -C "$SCRATCH/q" quarantine accept laptop/org/tongxin --key wang-li
	test "$(git -C "$SCRATCH/q" rev-parse org/tongxin)" != "$head"
	sanshe -C "$SCRATCH/q" get case/c-visit >/dev/null
	sanshe -C "$SCRATCH/q" quarantine list | grep -q "nothing is held"
	sanshe -C "$SCRATCH/q" get "member/$zhou" | grep -q accepted
	status_is 0 sanshe -C "$SCRATCH/q" verify
'

expect_ok "history refused from quarantine is not merged" '
	case_json c-later
	sanshe -C "$SCRATCH/laptop" put "$SCRATCH/c-later.json" --key zhou >/dev/null 2>&1 || true
	git -C "$SCRATCH/q" fetch -q "$SCRATCH/laptop" "+org/tongxin:refs/remotes/laptop/org/tongxin"
	head=$(git -C "$SCRATCH/q" rev-parse org/tongxin)
	status_is 1 sanshe -C "$SCRATCH/q" merge laptop/org/tongxin --key wang-li
	sanshe -C "$SCRATCH/q" quarantine refuse laptop/org/tongxin >/dev/null
	test "$(git -C "$SCRATCH/q" rev-parse org/tongxin)" = "$head"
	sanshe -C "$SCRATCH/q" quarantine list | grep -q "nothing is held"
	status_is 1 sanshe -C "$SCRATCH/q" quarantine refuse laptop/org/tongxin
	one_line err
'

expect_ok "sanshe merge refuses incoming history that fails verification; nothing moves" '
	rm -rf "$SCRATCH/bad"
	cp -a "$SCRATCH/q" "$SCRATCH/bad"
	N="$SCRATCH/bad"
	G="git -C $N"
	c=$(commit_files org/tongxin "by hand")
	$G update-ref refs/heads/org/tongxin "$c"
	git -C "$SCRATCH/q" fetch -q "$SCRATCH/bad" "+org/tongxin:refs/remotes/bad/org/tongxin"
	head=$(git -C "$SCRATCH/q" rev-parse org/tongxin)
	status_is 1 sanshe -C "$SCRATCH/q" merge bad/org/tongxin --key wang-li
	grep -q "^  commit-unsigned, commit ${c%${c#????????????}}" err
	tail -n 1 err | grep -q "bad/org/tongxin was not merged: its history fails verification with 1 finding"
	test "$(git -C "$SCRATCH/q" rev-parse org/tongxin)" = "$head"
'

done_testing
