#!/bin/sh
# A node: init, put, get, ls, rm, edit, import, log, status, export
# allowed-signers; stock git verifies every commit; parallel writers; a kill
# during an import; bad input changes nothing.
. "$(dirname "$0")/lib.sh"

export SANSHE_REPO="$SCRATCH/node"

# heads: every space's head, to compare before and after a refused command.
heads() {
	git -C "$SANSHE_REPO" for-each-ref --format="%(refname) %(objectname)" refs/heads
}

# jsonl N: N case notes for the example case, one per line.
jsonl() {
	python3 - "$1" "$EXAMPLES/case-note.json" <<-'PY'
	import json, sys
	base = json.load(open(sys.argv[2]))
	for i in range(int(sys.argv[1])):
	    d = dict(base)
	    d["id"] = "note-%06d" % i
	    d["text"] = "第%d次探访：老人精神状态良好。" % i
	    print(json.dumps(d, ensure_ascii=False))
	PY
}

expect_ok "init founds a node with its spaces and roster" '
	sanshe init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin \
		--role social-worker --role coordinator >out 2>err
	grep -q "made key .wang-li." err
	grep -q "founded 同心社工" out
	test "$(git -C "$SANSHE_REPO" rev-parse --is-bare-repository)" = true
	heads >h
	grep -q "refs/heads/trust " h
	grep -q "refs/heads/common " h
	grep -q "refs/heads/org/tongxin " h
	sanshe ls --space trust >out
	grep -q "^org/tongxin$" out
	test "$(grep -c "^member/" out)" -eq 1
'

expect_ok "init refuses a directory in use, and bad input leaves nothing" '
	status_is 1 sanshe init "$SANSHE_REPO" --org X --kind agency --admin A --key wang-li
	grep -q "$SANSHE_REPO" err
	status_is 1 sanshe init "$SCRATCH/n2" --org X --kind bakery --admin A --key wang-li
	grep -q "/kind" err
	test ! -e "$SCRATCH/n2"
	status_is 2 sanshe init "$SCRATCH/n3" --org X
'

expect_ok "put signs and commits a record in its space, get returns it" '
	sanshe put "$EXAMPLES/case.json" >out
	ref=$(cat out)
	case "$ref" in case/*) ;; *) exit 1 ;; esac
	sanshe get "$ref" >doc.json
	sanshe check doc.json >/dev/null
	sanshe ls case --space org/tongxin >out
	grep -q "^$ref$" out
	test "$(git -C "$SANSHE_REPO" ls-tree -r --name-only org/tongxin | grep -c "^case/[0-9a-f][0-9a-f]/")" -eq 1
'

expect_ok "get --pretty and get --at an older commit" '
	ref=$(sanshe ls case)
	old=$(git -C "$SANSHE_REPO" rev-parse org/tongxin)
	sed "s/\"risk_level\": \"medium\"/\"risk_level\": \"high\"/" "$EXAMPLES/case.json" >high.json
	sanshe put high.json >/dev/null
	sanshe get "$ref" --pretty >p.json
	grep -q "^  \"risk_level\": \"high\",$" p.json
	sanshe get "$ref" --at "$old" >was.json
	grep -q "\"risk_level\":\"medium\"" was.json
'

expect_ok "put reads standard input, and the common space gets rosters" '
	sanshe put <"$EXAMPLES/roster.json" >out
	grep -q "^roster/" out
	sanshe ls --space common >out
	grep -q "^roster/" out
'

expect_ok "rm removes a document in a signed commit; append-only types are refused" '
	ref=$(sanshe ls roster)
	sanshe rm "$ref" >/dev/null
	test -z "$(sanshe ls roster)"
	status_is 1 sanshe get "$ref"
	sanshe put "$EXAMPLES/case-note.json" >/dev/null
	heads >before
	status_is 1 sanshe rm "case-note/$(python3 -c "import json;print(json.load(open(\"$EXAMPLES/case-note.json\"))[\"id\"])")"
	grep -q "append-only" err
	heads | cmp - before
'

expect_ok "edit saves a valid change" '
	ref=$(sanshe ls case)
	EDITOR="sed -i s/\\\"high\\\"/\\\"critical\\\"/" sanshe edit "$ref" >out
	grep -q "^saved $ref" out
	sanshe get "$ref" | grep -q "\"risk_level\":\"critical\""
'

expect_ok "an invalid edit is refused, nothing is written and the edit is kept" '
	ref=$(sanshe ls case)
	heads >before
	status_is 1 env EDITOR="sed -i s/\\\"critical\\\"/\\\"extreme\\\"/" "$SANSHE_BIN" edit "$ref"
	grep -q "/risk_level" err
	kept=$(sed -n "s/.*your edit is kept in //p" err)
	grep -q extreme "$kept"
	heads | cmp - before
	EDITOR=true sanshe edit "$ref" >out
	grep -q "no change" out
'

expect_ok "import writes many documents in one commit" '
	jsonl 50 >notes.jsonl
	before=$(git -C "$SANSHE_REPO" rev-parse org/tongxin)
	sanshe import notes.jsonl >out
	grep -q "imported 50 documents" out
	test "$(git -C "$SANSHE_REPO" rev-list --count "$before..org/tongxin")" -eq 1
	test "$(sanshe ls case-note | grep -c "^case-note/note-")" -eq 50
'

expect_ok "an import with one bad line writes nothing and names the line" '
	jsonl 5 | sed "3s/\"minutes\": [0-9]*/\"minutes\": -1/" >bad.jsonl
	grep -q "\"minutes\": -1" bad.jsonl
	heads >before
	status_is 1 sanshe import bad.jsonl
	grep -q "bad.jsonl:3: .*/minutes" err
	heads | cmp - before
	printf "{\"type\": \"case-note\",\n" >broken.jsonl
	status_is 1 sanshe import broken.jsonl
	grep -q "broken.jsonl:1:" err
'

expect_ok "log shows commit, time, member and operation" '
	sanshe log >out
	grep -q "Wang Li <.*@tongxin>  put case/" out
	grep -q "import 50 documents" out
	ref=$(sanshe ls case)
	test "$(sanshe log "$ref" | wc -l)" -eq 3
	sanshe log --space trust --json >out
	python3 -c "
import json; r=json.load(open(\"out\"))
assert len(r)==1 and r[0][\"op\"]==\"init\" and r[0][\"signed\"], r"
'

expect_ok "status shows the spaces, heads and documents per type" '
	sanshe status >out
	grep -q "^org/tongxin" out
	grep -q "case-note *51" out
	sanshe status --json >out
	python3 -c "
import json; j=json.load(open(\"out\")); r={s[\"space\"]: s for s in j[\"spaces\"]}
assert j[\"findings\"]==[], j
assert r[\"trust\"][\"documents\"]=={\"member\":1,\"org\":1}, r
assert r[\"org/tongxin\"][\"documents\"][\"case\"]==1, r"
'

expect_ok "stock git verifies every commit sanshe wrote, and fsck is clean" '
	sanshe export allowed-signers -o signers
	grep -q "namespaces=\"git\"" signers
	for c in $(git -C "$SANSHE_REPO" rev-list --all); do
		git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$c" 2>/dev/null
	done
	git -C "$SANSHE_REPO" fsck --strict 2>&1 >/dev/null | not grep -q .
	git -C "$SANSHE_REPO" fsck --strict
'

expect_ok "a changed commit signature is refused by git" '
	c=$(git -C "$SANSHE_REPO" rev-parse trust)
	git -C "$SANSHE_REPO" cat-file commit "$c" | sed "s/^Sanshe-Op: init/Sanshe-Op: forged/" >forged
	grep -q "Sanshe-Op: forged" forged
	f=$(git -C "$SANSHE_REPO" hash-object -t commit -w "$SCRATCH/forged")
	not git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$f"
'

expect_ok "ten puts started at once all succeed" '
	for i in 0 1 2 3 4 5 6 7 8 9; do
		sed "s/\"id\": \"[^\"]*\"/\"id\": \"parallel-$i\"/" "$EXAMPLES/roster.json" >r$i.json
	done
	for i in 0 1 2 3 4 5 6 7 8 9; do
		sanshe put r$i.json >put$i.out 2>put$i.err &
	done
	wait
	test "$(sanshe ls roster | grep -c "^roster/parallel-")" -eq 10
	git -C "$SANSHE_REPO" fsck --strict
'

expect_ok "a writer killed during an import leaves the old head or the new one" '
	jsonl 20000 >big.jsonl
	for delay in 0.2 0.6 1.2; do
		before=$(git -C "$SANSHE_REPO" rev-parse org/tongxin)
		"$SANSHE_BIN" import big.jsonl >/dev/null 2>&1 &
		pid=$!
		sleep $delay
		kill -9 $pid 2>/dev/null || true
		wait $pid 2>/dev/null || true
		after=$(git -C "$SANSHE_REPO" rev-parse org/tongxin)
		if [ "$after" != "$before" ]; then
			test "$(git -C "$SANSHE_REPO" rev-parse "$after^")" = "$before"
		fi
		git -C "$SANSHE_REPO" fsck --strict --no-dangling
	done
	sanshe put "$EXAMPLES/case.json" >/dev/null
'

expect_ok "a repository locked too long is one clear line, and nothing changes" '
	heads >before
	flock "$SANSHE_REPO/sanshe.lock" sleep 5 &
	while flock -n "$SANSHE_REPO/sanshe.lock" true; do sleep 0.1; done
	status_is 1 env SANSHE_LOCK_TIMEOUT=1 "$SANSHE_BIN" put "$EXAMPLES/case.json"
	one_line err
	grep -q "locked" err
	heads | cmp - before
	wait
'

expect_ok "a member not in the roster cannot write" '
	sanshe key new stranger >/dev/null
	heads >before
	status_is 1 sanshe put --key stranger "$EXAMPLES/case.json"
	grep -q "not a member" err
	heads | cmp - before
'

expect_ok "a member of another organization writes only in its own space" '
	sanshe key new li >/dev/null
	line=$(sanshe key show li | head -1)
	printf "{\"type\":\"org\",\"id\":\"huiming\",\"name\":\"惠民社区\",\"kind\":\"community\"}" >org2.json
	sanshe put --key wang-li org2.json >/dev/null
	printf "{\"type\":\"member\",\"id\":\"li\",\"name\":\"Li Na\",\"org\":\"huiming\",\"roles\":[\"social-worker\"],\"key\":\"%s\",\"valid_from\":\"2020-01-01T00:00:00Z\"}" "$line" >li.json
	sanshe put --key wang-li li.json >/dev/null
	tongxin_case=$(sanshe ls case --space org/tongxin)
	heads >before
	status_is 1 sanshe rm --key li "$tongxin_case"
	grep -q "org/huiming" err
	heads | cmp - before
	sed "s/\"id\": \"[^\"]*\"/\"id\": \"li-case\"/" "$EXAMPLES/case.json" >licase.json
	sanshe put --key li licase.json >/dev/null
	sanshe ls case --space org/huiming >out
	grep -q "^case/li-case$" out
'

expect_ok "only an admin changes the roster; members are revoked, not removed" '
	heads >before
	sed "s/Li Na/Li Na (admin)/" li.json >li2.json
	status_is 1 sanshe put --key li li2.json
	grep -q "Li Na (social-worker) may not write member documents: that is for admin" err
	status_is 1 sanshe rm --key wang-li member/li
	grep -q "revoked, not removed" err
	heads | cmp - before
'

expect_ok "an edit of a document changed meanwhile is refused and kept" '
	ref=$(sanshe ls case --space org/tongxin)
	printf "#!/bin/sh\nsanshe_put() { \"%s\" put \"\$@\"; }\nsed \"s/\\\"risk_level\\\": \\\"medium\\\"/\\\"risk_level\\\": \\\"low\\\"/\" %s >%s/mid.json\nsanshe_put %s/mid.json >/dev/null\nsed -i \"1s/^{/{ \\\"meddled\\\": true,/\" \"\$1\"\n" "$SANSHE_BIN" "$EXAMPLES/case.json" "$SCRATCH" "$SCRATCH" >meddle
	chmod +x meddle
	status_is 1 env EDITOR="$SCRATCH/meddle" "$SANSHE_BIN" edit "$ref"
	grep -q "changed by someone else" err
	grep -q "kept in" err
	sanshe get "$ref" >now.json
	grep -q "\"risk_level\":\"low\"" now.json
'

expect_ok "after a member changes keys, git still verifies every commit" '
	sanshe key new li2 >/dev/null
	new=$(sanshe key show li2 | head -1)
	python3 -c "
import json,sys; d=json.load(open(\"li.json\")); d[\"key\"]=sys.argv[1]; print(json.dumps(d))" "$new" >li3.json
	sanshe put --key wang-li li3.json >/dev/null
	sanshe export allowed-signers -o signers2
	test "$(grep -c "^li@huiming " signers2)" -eq 2
	old=$(sanshe key show li | head -1 | cut -d" " -f2)
	grep "^li@huiming .*valid-before=\"[0-9]*Z\".* $old" signers2
	test "$(grep -c "valid-before" signers2)" -eq 1
	for c in $(git -C "$SANSHE_REPO" rev-list --all); do
		git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers2" verify-commit "$c" 2>/dev/null
	done
'

expect_ok "a failed init makes no key and leaves the home as it was" '
	ls "$SANSHE_HOME/keys" >keys.before
	status_is 1 sanshe init "$SCRATCH/n4" --org X --kind bakery --admin Zhao
	grep -q "/kind" err
	ls "$SANSHE_HOME/keys" | cmp - keys.before
	test ! -e "$SCRATCH/n4"
'

expect_ok "a name with a line break cannot forge a trailer" '
	SANSHE_REPO="$SCRATCH/n5" sanshe init "$SCRATCH/n5" --org "Evil
Sanshe-Op: put case/forged" --kind agency --admin A --key wang-li >/dev/null
	SANSHE_REPO="$SCRATCH/n5" sanshe log --space trust --json >out
	python3 -c "
import json; r=json.load(open(\"out\")); assert r[0][\"op\"]==\"init\", r"
'

expect_ok "bad input: unknown type, missing document, not a repository" '
	status_is 1 sanshe get recipe/x
	grep -q "unknown document type" err
	status_is 1 sanshe get case/nothing-here
	grep -q "no case/nothing-here" err
	status_is 2 sanshe get case
	grep -q "not <type>/<id>" err
	status_is 1 sanshe get "$(sanshe ls case --space org/tongxin)" --at nosuchrev
	grep -q "no commit .nosuchrev." err
	mkdir plain
	SANSHE_REPO= status_is 1 sanshe -C plain ls
	grep -q "no sanshe repository" err
	git init -q --bare other.git
	SANSHE_REPO="$SCRATCH/other.git" status_is 1 sanshe ls
	grep -q "not a sanshe repository" err
	status_is 1 sanshe put "$EXAMPLES/invalid/case-missing-client-name.json"
	grep -q "/client/name" err
'

expect_ok "the repository is found from a directory inside it, like git" '
	SANSHE_REPO= sanshe -C "$SANSHE_REPO/refs" status >out
	grep -q "org/tongxin" out
'

done_testing
