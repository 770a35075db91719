#!/bin/sh
# sanshe sync and clone over TCP: a social-work agency, a community office
# and a street office, each with its own organization, members, keys and
# home.  The offices join by `clone tcp://… --expect`, edit offline (the
# same field of one volunteer roster at two offices), sync over loopback in
# several orders and end with the same heads and the same conflict listed.
# An organization's case files reach only the nodes allowed to read them;
# unknown and revoked keys are refused at both ends; a peer whose key is not
# the one expected is refused with nothing changed; one `sanshe serve`
# serves several sessions and stops cleanly on SIGTERM.
. "$(dirname "$0")/lib.sh"

A="$SCRATCH/agency"
C="$SCRATCH/community"
S="$SCRATCH/street"
HA="$SCRATCH/home-agency"
HC="$SCRATCH/home-community"
HS="$SCRATCH/home-street"
HX="$SCRATCH/home-stranger"
export SANSHE_IDLE_TIMEOUT=10

# Each office runs sanshe with its own home and node.
agency() { SANSHE_HOME="$HA" "$SANSHE_BIN" -C "$A" "$@"; }
community() { SANSHE_HOME="$HC" "$SANSHE_BIN" -C "$C" "$@"; }
street() { SANSHE_HOME="$HS" "$SANSHE_BIN" -C "$S" "$@"; }

# serve HOME NODE [ARGS...]: start `sanshe serve` on a free port in the
# background; PID in SERVER, address in URL, stdout and stderr in
# serve.out and serve.err.  Fails when it does not say where it listens.
serve() {
	home=$1 node=$2
	shift 2
	rm -f "$SCRATCH/serve.out" "$SCRATCH/serve.err"
	SANSHE_HOME="$home" "$SANSHE_BIN" -C "$node" serve --listen 127.0.0.1:0 "$@" \
		>"$SCRATCH/serve.out" 2>"$SCRATCH/serve.err" &
	SERVER=$!
	echo "$SERVER" >>"$SCRATCH/servers"
	tries=0
	until grep -q "^serving .* on 127\.0\.0\.1:[0-9]* as " "$SCRATCH/serve.out" 2>/dev/null; do
		tries=$((tries + 1))
		if [ $tries -gt 200 ]; then
			echo "sanshe serve did not start"
			cat "$SCRATCH/serve.err"
			return 1
		fi
		sleep 0.05
	done
	URL=tcp://127.0.0.1:$(sed -n 's/^serving .* on 127\.0\.0\.1:\([0-9]*\) as .*/\1/p' "$SCRATCH/serve.out")
}

# served STATUS: the --once server started last ended with STATUS.
served() {
	got=0
	wait "$SERVER" || got=$?
	if [ "$got" -ne "$1" ]; then
		echo "sanshe serve ended with $got, not $1"
		cat "$SCRATCH/serve.err"
		return 1
	fi
}

stop_servers() {
	[ -f "$SCRATCH/servers" ] || return 0
	while read -r pid; do
		kill "$pid" 2>/dev/null || :
	done <"$SCRATCH/servers"
	rm -f "$SCRATCH/servers"
}
trap stop_servers EXIT INT TERM

# sessions: the session lines of the server's log (the others say it stops).
sessions() {
	grep "^sanshe serve: 20[0-9-]*T[0-9:]*Z 127\.0\.0\.1:[0-9]* " "$SCRATCH/serve.err"
}

heads() {
	git -C "$1" for-each-ref --format='%(refname) %(objectname)' refs/heads/
}

# shared NODE1 NODE2: the two nodes hold the same heads of the spaces both hold.
shared() {
	heads "$1" | sort >"$SCRATCH/.h1"
	heads "$2" | sort >"$SCRATCH/.h2"
	join "$SCRATCH/.h1" "$SCRATCH/.h2" | awk '$2 != $3 { print "differs: " $0; bad = 1 } END { exit bad }'
	test "$(join "$SCRATCH/.h1" "$SCRATCH/.h2" | wc -l)" -ge 2
}

# absent NODE SPACE: neither the space, nor a peer's ref of it, nor any
# commit or case file of the agency's SPACE is in NODE.
absent() {
	not git -C "$1" rev-parse --verify -q "refs/heads/$2"
	test -z "$(git -C "$1" for-each-ref "refs/sanshe/peers/*/$2")"
	for obj in $(git -C "$A" rev-list "$2") \
		$(git -C "$A" ls-tree -r "$2" | awk '$4 ~ /^case\// { print $3 }'); do
		not git -C "$1" cat-file -e "$obj"
	done
}

# doc_json FILE TYPE ID [FIELD=VALUE...]: the example of TYPE with that id and fields.
doc_json() {
	file=$1 type=$2 id=$3
	shift 3
	python3 - "$EXAMPLES/$type.json" "$id" "$@" >"$file" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["id"] = sys.argv[2]
	for arg in sys.argv[3:]:
	    k, v = arg.split("=", 1)
	    d[k] = v
	print(json.dumps(d, ensure_ascii=False))
	PY
}

# edit OFFICE REF FIELD=VALUE: a new version of REF at OFFICE with the field set.
edit() {
	office=$1 ref=$2
	shift 2
	$office get "$ref" | python3 -c '
import json, sys
d = json.load(sys.stdin)
d.pop("_sig", None); d.pop("_merge", None)
for arg in sys.argv[1:]:
    k, v = arg.split("=", 1)
    d[k] = v
print(json.dumps(d, ensure_ascii=False))' "$@" >"$SCRATCH/.edit.json"
	$office put "$SCRATCH/.edit.json" >/dev/null
}

# on_a_terminal COMMAND: what COMMAND writes to a terminal (its stdout and stderr).
on_a_terminal() {
	script -qec "$1" /dev/null </dev/null
}

# json_is FILE EXPR: the Python expression holds of the JSON object j in FILE.
json_is() {
	python3 -c "import json, sys; j = json.load(open(sys.argv[1])); assert $2, j" "$1"
}

fingerprint() {
	SANSHE_HOME="$1" "$SANSHE_BIN" key show "$2" --json |
		python3 -c "import json, sys; print(json.load(sys.stdin)['fingerprint'])"
}

expect_ok "the agency founds the federation and adds the other offices' members by their public keys" '
	SANSHE_HOME="$HA" sanshe init "$A" --org 兰州市城关区同心社会工作服务中心 --kind agency \
		--admin "Wang Li" --org-id tongxin --role social-worker >/dev/null 2>&1
	SANSHE_HOME="$HC" sanshe key new he-min >/dev/null 2>&1
	SANSHE_HOME="$HC" sanshe key new lu-xin >/dev/null 2>&1
	SANSHE_HOME="$HS" sanshe key new zhou-qiang >/dev/null 2>&1
	SANSHE_HOME="$HX" sanshe key new stranger >/dev/null 2>&1
	SANSHE_HOME="$HC" sanshe key show he-min >he-min.pub
	SANSHE_HOME="$HC" sanshe key show lu-xin >lu-xin.pub
	SANSHE_HOME="$HS" sanshe key show zhou-qiang >zhou-qiang.pub
	agency org add 东岗西路街道办事处 --kind street-office --id donggang >/dev/null
	agency org add 惠民社区居委会 --kind community --id huiming --parent donggang >/dev/null
	agency member add --name "He Min" --org huiming --role community-worker --id he-min \
		--public-key "$SCRATCH/he-min.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	agency member add --name "Lu Xin" --org huiming --role community-worker --id lu-xin \
		--public-key "$SCRATCH/lu-xin.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	agency member add --name "Zhou Qiang" --org donggang --role coordinator --role supervisor \
		--id zhou-qiang --public-key "$SCRATCH/zhou-qiang.pub" --valid-from 2020-01-01T00:00:00Z >/dev/null
	doc_json c-agency.json case c-agency
	agency put "$SCRATCH/c-agency.json" >/dev/null
	git -C "$A" rev-parse --verify -q refs/heads/org/tongxin >/dev/null
	agency member list >out
	test "$(wc -l <out)" -eq 4
'

FP=$(fingerprint "$HA" wang-li)

expect_ok "clone tcp:// with a fingerprint that is not the founder's makes nothing" '
	serve "$HA" "$A" --once
	status_is 1 env SANSHE_HOME="$HC" "$SANSHE_BIN" clone "$URL" "$C" --expect "$(fingerprint "$HC" he-min)"
	one_line err
	grep -q "was founded by key $FP, not SHA256:" err
	grep -q "nothing was made" err
	test ! -e "$C"
	test -z "$(ls "$SCRATCH" | grep cloning)"
	served 0
'

expect_ok "the community and the street office join by clone tcp:// --expect the founder's key" '
	serve "$HA" "$A" --once
	status_is 0 env SANSHE_HOME="$HC" "$SANSHE_BIN" clone "$URL" "$C" --expect "$FP"
	grep -q "^made node .* from $URL (founded by $FP): spaces trust common$" out
	served 0
	sessions >log
	one_line log
	grep -q " He Min (SHA256:.*): sent 2 space(s), .*; ok$" log
	serve "$HA" "$A" --once
	status_is 0 env SANSHE_HOME="$HS" "$SANSHE_BIN" clone "$URL" "$S" --expect "$FP"
	served 0
	sessions | grep -q " Zhou Qiang (SHA256:.*; ok$"
	for n in "$C" "$S"; do
		test "$(git -C "$n" rev-parse trust)" = "$(git -C "$A" rev-parse trust)"
		test "$(git -C "$n" rev-parse common)" = "$(git -C "$A" rev-parse common)"
		absent "$n" org/tongxin
	done
	community verify >/dev/null
	street verify >/dev/null
'

expect_ok "offline: case files at each office; the community opens a volunteer roster the street office takes" '
	doc_json c-agency-2.json case c-agency-2
	agency put "$SCRATCH/c-agency-2.json" >/dev/null
	doc_json c-huiming.json case c-huiming
	community put "$SCRATCH/c-huiming.json" >/dev/null
	doc_json r1.json roster r1 team=惠民社区助老志愿服务队 community=huiming org=tongxin
	community put "$SCRATCH/r1.json" >/dev/null
	doc_json c-donggang.json case c-donggang
	street put "$SCRATCH/c-donggang.json" >/dev/null
	serve "$HC" "$C" --once
	status_is 0 street sync "$URL"
	served 0
	street get roster/r1 >/dev/null
	absent "$S" org/tongxin
	not git -C "$S" rev-parse --verify -q refs/heads/org/huiming
	not git -C "$C" rev-parse --verify -q refs/heads/org/donggang
	shared "$C" "$S"
'

expect_ok "offline: the community and the street office rename the same roster team" '
	edit community roster/r1 team=惠民社区助老服务队
	sleep 1
	edit street roster/r1 team=东岗街道惠民助老队
	edit agency case/c-agency risk_level=high
'

expect_ok "agency serves, community syncs: the agency's case files stay at the agency" '
	serve "$HA" "$A" --once
	status_is 0 community sync "$URL"
	served 0
	grep -q "^common  *up to date; sent$" out
	not grep -q org/ out
	grep -q "^1 space(s) of the other node not taken: your organization may not read them$" out
	absent "$C" org/tongxin
	not git -C "$A" rev-parse --verify -q refs/heads/org/huiming
	shared "$A" "$C"
	sessions | grep -q " He Min (SHA256:.*): sent 2 space(s), .* common fast-forward; ok$"
'

expect_ok "community serves, street syncs: the same field edited at both is a conflict" '
	serve "$HC" "$C" --once
	status_is 0 street sync "$URL" --json
	served 0
	mv out sync.json
	json_is sync.json "j[\"conflicts\"] == 1 and j[\"quarantined\"] == 0 and j[\"documents_merged\"] >= 1"
	json_is sync.json "j[\"objects_received\"] > 0 and j[\"objects_sent\"] > 0 and j[\"bytes_received\"] > 0"
	json_is sync.json "{s[\"space\"]: s[\"received\"] for s in j[\"spaces\"]}[\"common\"] == \"merged\""
	shared "$C" "$S"
	street conflicts >conf
	grep -q "^roster/r1" conf
	grep -q "/team" conf
'

expect_ok "street serves, agency syncs; then agency and community again: one set of heads everywhere" '
	serve "$HS" "$S" --once
	status_is 0 agency sync "$URL"
	served 0
	sessions | grep -q " Wang Li (SHA256:.*; ok$"
	serve "$HA" "$A" --once
	status_is 0 community sync "$URL"
	served 0
	shared "$A" "$C"
	shared "$C" "$S"
	shared "$A" "$S"
	for n in agency community street; do $n conflicts >conf.$n; grep -q "^roster/r1" conf.$n; done
	cmp conf.agency conf.community
	cmp conf.agency conf.street
	for n in agency community street; do $n get roster/r1 | grep -q "东岗街道惠民助老队"; done
	absent "$C" org/tongxin
	absent "$S" org/tongxin
	not git -C "$S" rev-parse --verify -q refs/heads/org/huiming
'

expect_ok "syncing again moves nothing, either way" '
	for pair in "$HA $A community" "$HC $C street" "$HS $S agency"; do
		set -- $pair
		serve "$1" "$2" --once
		status_is 0 $3 sync "$URL" --json
		served 0
		json_is out "j[\"objects_received\"] == 0 and j[\"objects_sent\"] == 0"
		json_is out "j[\"documents_merged\"] == 0 and j[\"conflicts\"] == 0"
		json_is out "all(not s[\"sent\"] and s[\"received\"] == \"up to date\" for s in j[\"spaces\"])"
		sessions | grep -q "sent [0-9] space(s), 0 objects, [0-9]* bytes; received 0 objects, [0-9]* bytes; ok$"
	done
'

expect_ok "once the agency lets the community read its case files they arrive there, and only there" '
	agency org readers tongxin --add huiming >/dev/null
	serve "$HA" "$A" --once
	status_is 0 community sync "$URL"
	served 0
	test "$(git -C "$C" rev-parse org/tongxin)" = "$(git -C "$A" rev-parse org/tongxin)"
	community get case/c-agency | grep -q "\"risk_level\":\"high\""
	community get case/c-agency-2 >/dev/null
	serve "$HC" "$C" --once
	status_is 0 street sync "$URL"
	served 0
	not grep -q org/tongxin out
	absent "$S" org/tongxin
	shared "$A" "$C"
	shared "$C" "$S"
'

expect_ok "one sanshe serve, several syncs in a row, a named peer, --quiet; SIGTERM stops it" '
	serve "$HA" "$A"
	edit agency case/c-agency status=assessed
	status_is 0 community sync "$URL" --quiet
	test ! -s err
	grep -q "^org/tongxin  *fast-forward$" out
	edit community roster/r1 team=惠民社区银龄互助队
	status_is 0 street sync "$URL" --quiet
	test ! -s err
	status_is 0 community peer add agency "$URL" --key "$FP"
	status_is 0 community sync agency
	grep -q "^common  *up to date; sent$" out
	status_is 0 community sync agency --json
	json_is out "j[\"peer\"] == \"$URL\" and j[\"objects_received\"] == 0 and j[\"objects_sent\"] == 0"
	on_a_terminal "SANSHE_HOME=\"$HC\" \"$SANSHE_BIN\" -C \"$C\" sync agency" >tty.out
	grep -q "negotiate" tty.out
	grep -q "synced with $URL" tty.out
	on_a_terminal "SANSHE_HOME=\"$HC\" \"$SANSHE_BIN\" -C \"$C\" sync agency --quiet" >tty.out
	not grep -q "negotiate" tty.out
	grep -q "synced with $URL" tty.out
	kill -TERM "$SERVER"
	served 0
	sessions >log
	test "$(wc -l <log)" -eq 6
	test "$(grep -c " He Min (SHA256:[^ ]*): .*; ok$" log)" -eq 5
	test "$(grep -c " Zhou Qiang (SHA256:[^ ]*): .*; ok$" log)" -eq 1
	shared "$A" "$C"
	agency get roster/r1 | grep -q "惠民社区银龄互助队"
'

expect_ok "a peer whose key is not the serving node's is refused; nothing changes on either side" '
	serve "$HC" "$C" --once
	heads "$C" >c.before
	edit street roster/r1 team=东岗街道银龄队
	heads "$S" >s.before
	status_is 0 street peer add community "$URL" --key "$FP"
	status_is 1 street sync community
	one_line err
	grep -q "the node at $URL has key SHA256:[^ ]*, not $FP as its peer entry says: not synced" err
	heads "$S" | cmp - s.before
	heads "$C" | cmp - c.before
	served 1
	sessions >log
	one_line log
	grep -q "unknown peer .*dropped: " log
'

expect_ok "an unknown key is refused, and the server's log says why" '
	serve "$HA" "$A" --once
	heads "$A" >a.before
	status_is 1 env SANSHE_HOME="$HX" "$SANSHE_BIN" clone "$URL" "$SCRATCH/stranger" --expect "$FP"
	one_line err
	grep -q "the peer refused us: key $(fingerprint "$HX" stranger) is not the key of any member of the roster" err
	test ! -e "$SCRATCH/stranger"
	served 1
	sessions >log
	one_line log
	grep -q "unknown peer ($(fingerprint "$HX" stranger)): .*dropped: .*is not the key of any member of the roster$" log
	heads "$A" | cmp - a.before
'

expect_ok "a revoked member is refused at both ends; the others still sync" '
	serve "$HA" "$A" --once
	status_is 0 community sync "$URL" --key lu-xin
	served 0
	sessions | grep -q " Lu Xin (SHA256:.*; ok$"
	sleep 1
	agency member revoke lu-xin --reason left >/dev/null
	heads "$A" >a.before
	heads "$C" >c.before
	serve "$HA" "$A" --once
	status_is 1 community sync "$URL" --key lu-xin
	one_line err
	grep -q "the peer refused us: .*Lu Xin.s key was revoked at .* (left)" err
	served 1
	sessions >log
	one_line log
	grep -q " Lu Xin (SHA256:[^ ]*): sent 0 space(s), .*; dropped: .*Lu Xin.s key was revoked at .* (left)" log
	heads "$A" | cmp - a.before
	heads "$C" | cmp - c.before
	serve "$HA" "$A" --once
	status_is 0 community sync "$URL"
	served 0
	community member list | grep -q "^lu-xin .* revoked "
'

expect_ok "stock git verifies every commit of the merged histories" '
	agency export allowed-signers -o "$SCRATCH/signers"
	for n in "$A" "$C" "$S"; do
		git -C "$n" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" \
			log --format=%G? --all | sort -u >marks
		test "$(cat marks)" = G
	done
	c=$(git -C "$S" log --format=%H --author=zhou-qiang@donggang common | head -1)
	test -n "$c"
	git -C "$S" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$c" 2>err
	grep -q "Good \"git\" signature for zhou-qiang@donggang" err
'

stop_servers
done_testing
