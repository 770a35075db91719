#!/bin/sh
# sanshe status reports the rules between documents: a category over its
# budget, the second tranche paid before a passed final evaluation, a closed
# case with open referrals, a reversal naming nothing, entries naming no
# project.  Each finding appears when the records break the rule and goes
# away when new records settle it; findings never make status fail, a
# document that cannot be read does.
. "$(dirname "$0")/lib.sh"

export SANSHE_REPO="$SCRATCH/node"

# record FILE [PATH=JSON...]: the example of FILE's type with members set
# (a path of keys joined by '.', the value as JSON), to stdout.
record() {
	python3 - "$EXAMPLES/$1" "$@" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	for arg in sys.argv[3:]:
	    path, v = arg.split("=", 1)
	    keys = path.split(".")
	    at = d
	    for k in keys[:-1]:
	        at = at[k]
	    at[keys[-1]] = json.loads(v)
	print(json.dumps(d, ensure_ascii=False))
	PY
}

# findings: the findings of status --json as "rule type/id" lines.
findings() {
	sanshe status --json >status.json
	python3 -c '
import json
for f in json.load(open("status.json"))["findings"]:
    print(f["rule"], f["type"] + "/" + f["id"])'
}

# only_finding LINE: findings are exactly LINE ("" for none).
only_finding() {
	findings >f
	if [ "$(cat f)" != "$1" ]; then
		echo "expected findings: '$1', got:"
		cat f
		return 1
	fi
}

# project p1: services budget 10,000.00 yuan, tranche-2 after the final evaluation.
P1='id="p1" budget.services=1000000'

expect_ok "a new node has no findings" '
	sanshe init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin \
		--role supervisor --role finance >/dev/null 2>&1
	status_is 0 sanshe status
	grep -q "^findings: none$" out
	only_finding ""
'

expect_ok "spent exactly the budget: no finding" '
	record project.json $P1 >p1.json
	sanshe put p1.json >/dev/null
	ledger x1 expense 600000 category=services >l.jsonl
	ledger x2 expense 400000 category=services >>l.jsonl
	sanshe import l.jsonl >/dev/null
	only_finding ""
'

expect_ok "spending over the budget is reported with its figures; status still succeeds" '
	ledger x3 expense 234567 category=services >l.jsonl
	sanshe import l.jsonl >/dev/null
	status_is 0 sanshe status
	grep -q "^findings (1):$" out
	grep -q "^  common: project .p1., category services: spent 12,345.67 yuan of a budget of 10,000.00 yuan, 2,345.67 yuan over \[budget-exceeded\]$" out
	only_finding "budget-exceeded project/p1"
'

expect_ok "a reversal of the expense settles it" '
	ledger r1 reversal 234567 reverses=x3 >l.jsonl
	sanshe import l.jsonl >/dev/null
	only_finding ""
'

expect_ok "the second tranche paid before a passed final evaluation" '
	ledger d1 disbursement 600000 tranche=tranche-1 date=2022-09-30 >l.jsonl
	ledger d2 disbursement 400000 tranche=tranche-2 date=2023-09-28 >>l.jsonl
	sanshe import l.jsonl >/dev/null
	only_finding "tranche-before-final-evaluation ledger-entry/d2"
	sanshe status >out
	grep -q "ledger entry .d2. pays tranche .tranche-2. of project .p1. on 2023-09-28, before a passed final evaluation: the project has none" out
'

expect_ok "a final evaluation passed after the payment does not settle it" '
	record project.json $P1 "evaluations=[{\"id\":\"e-final\",\"kind\":\"final\",\"date\":\"2023-09-29\",\"evaluator\":\"甘肃明德社会工作评估中心\",\"result\":\"passed\"}]" >p1.json
	sanshe put p1.json >/dev/null
	sanshe status >out
	grep -q "before a passed final evaluation: the final evaluation passed only on 2023-09-29" out
'

expect_ok "a final evaluation passed on the day of the payment settles it" '
	record project.json $P1 "evaluations=[{\"id\":\"e-final\",\"kind\":\"final\",\"date\":\"2023-09-28\",\"evaluator\":\"甘肃明德社会工作评估中心\",\"result\":\"passed\"}]" >p1.json
	sanshe put p1.json >/dev/null
	only_finding ""
'

expect_ok "a reversal naming an entry that is not there, until it arrives" '
	ledger r2 reversal 500 reverses=x9 >l.jsonl
	sanshe import l.jsonl >/dev/null
	only_finding "reversal-target-missing ledger-entry/r2"
	sanshe status >out
	grep -q "ledger entry .r2. reverses entry .x9., which does not exist \[reversal-target-missing\]" out
	ledger x9 expense 500 category=training >l.jsonl
	sanshe import l.jsonl >/dev/null
	only_finding ""
'

expect_ok "ledger entries naming a project that is not there, until it is written" '
	ledger y2 expense 100 category=staff project=p2 >l.jsonl
	ledger y1 expense 100 category=staff project=p2 >>l.jsonl
	sanshe import l.jsonl >/dev/null
	only_finding "ledger-project-missing ledger-entry/y1"
	sanshe status >out
	grep -q "2 ledger entries name project .p2., which does not exist (the first is .y1.)" out
	record project.json id=\"p2\" >p2.json
	sanshe put p2.json >/dev/null
	only_finding ""
'

expect_ok "a closed case with a referral still pending, until it is completed" '
	R="{\"id\":\"ref-1\",\"to\":\"区民政局\",\"reason\":\"申请低保\",\"date\":\"2023-04-01\",\"status\":\"pending\"}"
	record case.json id=\"c1\" status=\"closed\" closed=\"2023-05-01\" "referrals=[$R]" >c1.json
	sanshe put c1.json >/dev/null
	only_finding "case-closed-open-referrals case/c1"
	status_is 0 sanshe status
	grep -q "^  org/tongxin: case .c1. is closed but has referrals still open: .ref-1. (pending, to 区民政局) \[case-closed-open-referrals\]$" out
	record case.json id=\"c1\" status=\"closed\" closed=\"2023-05-01\" "referrals=[$(echo "$R" | sed s/pending/completed/)]" >c1.json
	sanshe put c1.json >/dev/null
	only_finding ""
'

expect_ok "every finding at once, one line each, in a stable order" '
	ledger x4 expense 900000 category=services >l.jsonl
	ledger r3 reversal 1 reverses=nothing >>l.jsonl
	ledger z1 expense 1 category=staff project=p3 >>l.jsonl
	sanshe import l.jsonl >/dev/null
	findings >f
	printf "%s\n" "reversal-target-missing ledger-entry/r3" "ledger-project-missing ledger-entry/z1" "budget-exceeded project/p1" >want
	diff want f
	status_is 0 sanshe status
	grep -q "^findings (3):$" out
	test "$(grep -c "^  common: .* \[[a-z-]*\]$" out)" -eq 3
'

expect_ok "a document that cannot be read: status fails, naming it" '
	cp -a "$SANSHE_REPO" "$SCRATCH/broken"
	G="git --git-dir=$SCRATCH/broken"
	blob=$(echo "{not json" | $G hash-object -w --stdin)
	GIT_INDEX_FILE="$SCRATCH/index" $G read-tree common
	GIT_INDEX_FILE="$SCRATCH/index" $G update-index --add --cacheinfo "100644,$blob,ledger-entry/00/bad.json"
	tree=$(GIT_INDEX_FILE="$SCRATCH/index" $G write-tree)
	$G update-ref refs/heads/common "$($G commit-tree "$tree" -p common -m bad)"
	status_is 1 env SANSHE_REPO="$SCRATCH/broken" "$SANSHE_BIN" status
	one_line err
	grep -q "space .common.: ledger-entry/bad" err
'

done_testing
