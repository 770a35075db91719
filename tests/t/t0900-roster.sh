#!/bin/sh
# The trust roster: an admin alone writes no case file; org and member
# commands (admins only); each role writes what the roles table says and is
# refused the rest; a revoked member writes nothing more, and stock git
# still verifies what they signed before.
. "$(dirname "$0")/lib.sh"

export SANSHE_REPO="$SCRATCH/node"

heads() {
	git -C "$SANSHE_REPO" for-each-ref --format="%(refname) %(objectname)" refs/heads
}

# writes KEY FILE: sanshe put --key KEY FILE succeeds.
writes() {
	sanshe put --key "$1" "$EXAMPLES/$2" >/dev/null
}

# refused KEY FILE PATTERN: the put is refused with one line matching
# PATTERN, and no space moves.
refused() {
	heads >before
	status_is 1 sanshe put --key "$1" "$EXAMPLES/$2"
	one_line err
	grep -q "$3" err
	heads | cmp - before
}

# member KEY NAME ORG ROLE...: a key KEY and the member NAME of ORG with it.
member() {
	key=$1 name=$2 org=$3
	shift 3
	roles=""
	for r in "$@"; do roles="$roles --role $r"; done
	sanshe key new "$key" >/dev/null
	sanshe key show "$key" >"$key.pub"
	# shellcheck disable=SC2086
	sanshe member add --key wang-li --name "$name" --org "$org" $roles --public-key "$key.pub" \
		--id "$key" --valid-from 2020-01-01T00:00:00Z >"$key.added"
}

expect_ok "a founder who is admin only cannot put a case; nothing changes" '
	sanshe init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin >out 2>err
	grep -q "(member .*, admin)" out
	refused wang-li case.json "Wang Li (admin) may not write case documents: that is for social-worker, community-worker or supervisor"
'

expect_ok "init refuses an unknown role with one line naming the roles" '
	status_is 2 sanshe init "$SCRATCH/n2" --org X --kind agency --admin A --role boss
	one_line err
	grep -q "unknown role .boss.: the roles are social-worker, community-worker, coordinator, finance, supervisor, auditor, admin" err
	test ! -e "$SCRATCH/n2"
'

expect_ok "init --role gives the founder other roles too" '
	SANSHE_REPO="$SCRATCH/small" sanshe init "$SCRATCH/small" --org 小站 --kind community \
		--admin "Zhou Min" --key wang-li --org-id xiaozhan --role social-worker >out
	grep -q "(member .*, social-worker, admin)" out
	SANSHE_REPO="$SCRATCH/small" sanshe put "$EXAMPLES/case.json" >out
	grep -q "^case/" out
'

expect_ok "org add writes an org document and prints its id; org list shows it" '
	sanshe org add 惠民社区居委会 --kind community --id huiming --short-name 惠民 \
		--parent tongxin --reader tongxin --reader-role auditor >out
	test "$(cat out)" = huiming
	sanshe org add 城关区民政局 --kind bureau --id cgmz >/dev/null
	sanshe org add 兰州市社会组织评估中心 --kind social-org >out
	new=$(cat out)
	case "$new" in ????????-????-7???-????-????????????) ;; *) exit 1 ;; esac
	sanshe ls org >out
	grep -q "^org/$new$" out
	sanshe org list >out
	grep -q "^huiming  *community  *惠民社区居委会  (readers: tongxin; reader roles: auditor)$" out
	grep -q "^tongxin  *agency  *同心社工  (readers: -; reader roles: -)$" out
	sanshe org list --json >out
	python3 -c "
import json; o={d[\"id\"]: d for d in json.load(open(\"out\"))}
assert o[\"huiming\"][\"readers\"]==[\"tongxin\"] and o[\"huiming\"][\"reader_roles\"]==[\"auditor\"], o
assert o[\"huiming\"][\"parent\"]==\"tongxin\" and o[\"huiming\"][\"short_name\"]==\"惠民\", o
assert len(o)==4, o"
'

expect_ok "org add refuses an unknown parent or reader, a taken id, a missing kind" '
	heads >before
	status_is 1 sanshe org add X --kind community --parent nowhere
	grep -q "no organization .nowhere." err
	status_is 1 sanshe org add X --kind community --reader nowhere
	grep -q "no organization .nowhere." err
	status_is 1 sanshe org add X --kind community --id huiming
	grep -q "huiming. is in the roster already" err
	status_is 1 sanshe org add X --kind bakery
	grep -q "/kind" err
	status_is 2 sanshe org add X
	status_is 2 sanshe org add X --kind community --reader-role boss
	one_line err
	heads | cmp - before
'

expect_ok "org readers adds and removes readers and reader roles" '
	sanshe org readers huiming --rm tongxin --add-role finance >/dev/null
	sanshe org list --json >out
	python3 -c "
import json; o={d[\"id\"]: d for d in json.load(open(\"out\"))}
assert \"readers\" not in o[\"huiming\"] and o[\"huiming\"][\"reader_roles\"]==[\"finance\",\"auditor\"], o"
	sanshe org readers huiming --add tongxin --rm-role finance >/dev/null
	heads >before
	status_is 1 sanshe org readers huiming --rm nobody
	grep -q "not a reader" err
	status_is 1 sanshe org readers nowhere --add tongxin
	heads | cmp - before
'

expect_ok "member add: one member per role, with keys made by sanshe key new" '
	member sw "Li Na" tongxin social-worker
	grep -q "^sw SHA256:" sw.added
	test "$(cut -d" " -f2 sw.added)" = "$(sed -n 2p sw.pub)"
	member cw "Zhang Wei" huiming community-worker
	member sup "Chen Jing" tongxin supervisor
	member coord "Liu Yang" tongxin coordinator
	member fin "Sun Hong" tongxin finance
	member aud "Ma Lin" cgmz auditor
	sanshe get member/sw >sw.json
	grep -q "\"roles\":\[\"social-worker\"\]" sw.json
	grep -q "\"valid_from\":\"2020-01-01T00:00:00Z\"" sw.json
	grep -q "\"fingerprint\":\"$(sed -n 2p sw.pub)\"" sw.json
'

expect_ok "member add refuses an unknown org, a key another member has, a bad key" '
	sanshe key new spare >/dev/null
	heads >before
	status_is 1 sanshe member add --key wang-li --name X --org nowhere --role finance --public-key "$(sanshe key show spare | head -1)"
	grep -q "no such organization" err
	status_is 1 sanshe member add --key wang-li --name X --org tongxin --role finance --public-key sw.pub
	grep -q "member .sw. (Li Na).s already" err
	status_is 1 sanshe member add --key wang-li --name X --org tongxin --role finance --public-key "ssh-ed25519 AAAAnope"
	grep -q "public-key" err
	status_is 1 sanshe member add --key wang-li --name X --org tongxin --role finance --public-key no-such-file.pub
	status_is 1 sanshe member add --key wang-li --name X --org tongxin --role finance --public-key "$(sanshe key show spare | head -1)" --id sw
	grep -q "already" err
	status_is 2 sanshe member add --key wang-li --name X --org tongxin --public-key spare.pub
	status_is 2 sanshe member add --key wang-li --name X --org tongxin --role chief --public-key spare.pub
	one_line err
	heads | cmp - before
'

expect_ok "a non-admin cannot add members or orgs; nothing changes" '
	heads >before
	status_is 1 sanshe member add --key sw --name X --org tongxin --role finance --public-key "$(sanshe key show spare | head -1)"
	one_line err
	grep -q "only an admin changes the roster: Li Na (social-worker) is not one" err
	status_is 1 sanshe org add X --kind community --key sup
	grep -q "only an admin" err
	status_is 1 sanshe member revoke cw --reason left --key fin
	grep -q "only an admin" err
	heads | cmp - before
'

expect_ok "a social worker writes case files and notes in its own space, nothing else" '
	writes sw case.json
	writes sw case-note.json
	sanshe ls case --space org/tongxin | grep -q "^case/"
	refused sw roster.json "Li Na (social-worker) may not write roster documents: that is for coordinator or community-worker"
	refused sw project.json "may not write project documents: that is for supervisor"
	refused sw ledger-entry.json "may not write ledger-entry documents: that is for finance"
	refused sw ../examples/org.json "may not write org documents: that is for admin"
'

expect_ok "a community worker writes case files in its own space and rosters" '
	sed "s/\"id\": \"[^\"]*\"/\"id\": \"hm-case\"/" "$EXAMPLES/case.json" >hm-case.json
	sanshe put --key cw hm-case.json >out
	sanshe ls case --space org/huiming | grep -q "^case/hm-case$"
	writes cw roster.json
	refused cw project.json "Zhang Wei (community-worker) may not write project"
	refused cw ledger-entry.json "for finance"
'

expect_ok "no one writes into another organization s space" '
	ref=$(sanshe ls case --space org/tongxin | head -1)
	heads >before
	status_is 1 env EDITOR="sed -i s/medium/high/" "$SANSHE_BIN" edit --key cw "$ref"
	grep -q "is in space .org/tongxin.; Zhang Wei writes for .org/huiming." err
	status_is 1 sanshe rm --key cw "$ref"
	heads | cmp - before
'

expect_ok "a supervisor writes projects, case files and notes; a coordinator rosters only" '
	writes sup project.json
	writes sup case.json
	writes sup case-note.json
	refused sup roster.json "Chen Jing (supervisor) may not write roster"
	writes coord roster.json
	refused coord case.json "Liu Yang (coordinator) may not write case documents"
	refused coord project.json "for supervisor"
'

expect_ok "finance writes ledger entries only; an auditor writes nothing" '
	writes fin ledger-entry.json
	refused fin case.json "Sun Hong (finance) may not write case"
	refused fin roster.json "for coordinator or community-worker"
	for f in case.json case-note.json roster.json project.json ledger-entry.json; do
		refused aud $f "Ma Lin (auditor) may not write"
	done
	heads >before
	status_is 1 sanshe rm --key aud "$(sanshe ls roster | head -1)"
	grep -q "Ma Lin (auditor) may not write roster" err
	heads | cmp - before
'

expect_ok "an admin alone writes no project, ledger or roster either" '
	refused wang-li project.json "Wang Li (admin) may not write project"
	refused wang-li roster.json "Wang Li (admin) may not write roster"
	refused wang-li ledger-entry.json "Wang Li (admin) may not write ledger-entry"
'

expect_ok "member list and member list --json" '
	sanshe member list >out
	test "$(wc -l <out)" -eq 7
	grep -q "^sw  *Li Na  *tongxin  *SHA256:[^ ]*  valid from 2020-01-01T00:00:00Z  (social-worker)$" out
	grep -q "Wang Li  *tongxin .* (admin)$" out
	sanshe member list --json >out
	python3 -c "
import json; m={d[\"id\"]: d for d in json.load(open(\"out\"))}
assert m[\"cw\"][\"org\"]==\"huiming\" and m[\"cw\"][\"roles\"]==[\"community-worker\"], m
assert m[\"cw\"][\"fingerprint\"].startswith(\"SHA256:\") and \"revoked\" not in m[\"cw\"], m
assert m[\"sw\"][\"name\"]==\"Li Na\" and m[\"sw\"][\"valid_from\"]==\"2020-01-01T00:00:00Z\", m"
'

expect_ok "revoke: the member writes nothing more; twice, unknown and the last admin are refused" '
	sleep 1
	sanshe member revoke cw --reason left >out
	grep -q "^revoked member/cw$" out
	refused cw roster.json "Zhang Wei.s key was revoked at .* (left)"
	sanshe member revoke coord --reason "moved to Xigu district" >/dev/null
	sanshe get member/coord >coord.json
	grep -q "\"reason\":\"other\"" coord.json
	grep -q "\"note\":\"moved to Xigu district\"" coord.json
	heads >before
	status_is 1 sanshe member revoke cw --reason left
	grep -q "revoked already" err
	status_is 1 sanshe member revoke nobody --reason left
	grep -q "no member .nobody." err
	admin=$(sanshe member list --json | python3 -c "import json,sys; print([m[\"id\"] for m in json.load(sys.stdin) if \"admin\" in m[\"roles\"]][0])")
	status_is 1 sanshe member revoke "$admin" --reason left
	grep -q "last admin" err
	status_is 1 sanshe member revoke sw --reason left --at 2999-01-01T00:00:00Z
	grep -q "in the future" err
	status_is 2 sanshe member revoke sw
	heads | cmp - before
	sanshe member list >out
	grep -q "^cw .* revoked 20[0-9-]*T[0-9:.]*Z (left)  (community-worker)$" out
	grep -q "^coord .* revoked .* (other: moved to Xigu district)" out
	sanshe member list --json >out
	python3 -c "
import json; m={d[\"id\"]: d for d in json.load(open(\"out\"))}
assert m[\"cw\"][\"revoked\"][\"reason\"]==\"left\", m"
'

expect_ok "a second admin may revoke the first; then the first writes nothing" '
	member admin2 "Gao Yan" tongxin admin
	admin=$(sanshe member list --json | python3 -c "import json,sys; print([m[\"id\"] for m in json.load(sys.stdin) if m[\"name\"]==\"Wang Li\"][0])")
	sanshe member revoke --key admin2 "$admin" --reason role-ended >/dev/null
	heads >before
	status_is 1 sanshe org add Y --kind community --key wang-li
	grep -q "Wang Li.s key was revoked at" err
	heads | cmp - before
'

expect_ok "stock git verifies what a member signed before their revocation" '
	sanshe export allowed-signers -o signers
	grep -q "^cw@huiming .*valid-before=\"[0-9]*Z\"" signers
	c=$(git -C "$SANSHE_REPO" log --format=%H --author="cw@huiming" org/huiming | head -1)
	test -n "$c"
	git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" verify-commit "$c" 2>err
	grep -q "Good \"git\" signature for cw@huiming" err
	git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" \
		log --show-signature --all >log
	test "$(grep -c "^commit " log)" -eq "$(grep -c "^Good \"git\" signature" log)"
	git -C "$SANSHE_REPO" -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$SCRATCH/signers" \
		log --format=%G? --all | sort -u >marks
	test "$(cat marks)" = G
'

done_testing
