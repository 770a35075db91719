#!/bin/sh
# sanshe verify, the auditor's check: a clean node verifies with no
# findings and exit 0; a ledger over its budget is a finding and exit 1;
# --json carries the summary, the findings and each project's figures; and
# --html writes one self-contained page that a real browser (Debian's
# chromium, headless) renders with the summary and each category's row,
# every value from the repository shown as text, never as markup.
. "$(dirname "$0")/lib.sh"

export SANSHE_REPO="$SCRATCH/node"

# The browser, installed when missing (scripts/deps.sh browser, ~290 MB).
command -v chromium >/dev/null 2>&1 || "$SANSHE_TOP/scripts/deps.sh" browser >&2

# dom FILE: the DOM chromium builds from the HTML file FILE, on stdout.
dom() {
	timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--user-data-dir="$SCRATCH/chromium" --dump-dom "file://$SCRATCH/$1" 2>/dev/null
}

# The project of the examples as p1 (training budget 15,000.00 yuan), with
# markup in its title that must stay text.
TITLE='<img src=x onerror=alert(1)>兰园社区项目'
project() {
	python3 - "$EXAMPLES/project.json" "$TITLE" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["id"] = "p1"
	d["title"] = sys.argv[2]
	print(json.dumps(d, ensure_ascii=False))
	PY
}

expect_ok "a new node verifies with no findings, exit 0" '
	sanshe init "$SANSHE_REPO" --org 同心社工 --kind agency --admin "Wang Li" --org-id tongxin >/dev/null 2>&1
	status_is 0 sanshe verify
	one_line out
	grep -q "^verified [0-9]* commits ([0-9]* merges recomputed), [0-9]* document versions, [0-9]* signatures in 3 spaces: no findings$" out
'

expect_ok "the founder also takes the roles that write projects and ledgers" '
	id=$(sanshe ls member | sed "s|^member/||")
	sanshe get "member/$id" | python3 -c "
import json, sys
d = json.load(sys.stdin)
d.pop(\"_sig\", None)
d[\"roles\"] = [\"admin\", \"supervisor\", \"finance\"]
print(json.dumps(d, ensure_ascii=False))" >member.json
	sanshe put member.json >/dev/null
	status_is 0 sanshe verify
'

expect_ok "a category spent over its budget: a finding, exit 1" '
	project >p1.json
	sanshe put p1.json >/dev/null
	ledger x1 expense 1600000 category=training >l.jsonl
	ledger x2 expense 500000 category=services >>l.jsonl
	ledger x3 expense 300000 category=services >>l.jsonl
	ledger r1 reversal 300000 reverses=x3 >>l.jsonl
	ledger d1 disbursement 18000000 tranche=tranche-1 date=2022-09-30 >>l.jsonl
	ledger d2 disbursement 12000000 tranche=tranche-2 date=2023-09-28 >>l.jsonl
	ledger r2 reversal 12000000 reverses=d2 >>l.jsonl
	sanshe import l.jsonl >/dev/null
	status_is 1 sanshe verify
	grep -q "^budget-exceeded: space common, commit [0-9a-f]\{12\}, project/p1, by Wang Li at 20[0-9-]*T[0-9:.]*Z/[0-9]*$" out
	grep -q "^    project .p1., category training: spent 16,000.00 yuan of a budget of 15,000.00 yuan, 1,000.00 yuan over$" out
	grep -q "^verified [0-9]* commits .* in 3 spaces: 1 finding$" out
'

expect_ok "--json: summary, findings and the projects figures" '
	status_is 1 sanshe verify --json
	python3 - out <<-"PY"
	import json, sys
	r = json.load(open(sys.argv[1]))
	s = r["summary"]
	assert set(s) == {"spaces", "commits", "merges", "versions", "signatures", "findings"}, s
	assert s["spaces"] == 3 and s["findings"] == 1 and s["commits"] >= 5, s
	assert len(r["findings"]) == 1, r["findings"]
	f = r["findings"][0]
	for k in ("rule", "space", "commit", "type", "id", "signer", "signer_name", "at", "message"):
	    assert k in f, k
	assert (f["rule"], f["space"], f["type"], f["id"]) == ("budget-exceeded", "common", "project", "p1"), f
	[p] = r["projects"]
	assert (p["space"], p["id"], p["title"]) == ("common", "p1", "<img src=x onerror=alert(1)>兰园社区项目"), p
	assert p["budget"] == {"staff": 16000000, "services": 8000000, "training": 1500000,
	                       "evaluation_audit": 1500000, "administration": 3000000}, p
	assert p["spent"] == {"staff": 0, "services": 500000, "training": 1600000,
	                      "evaluation_audit": 0, "administration": 0}, p
	assert p["disbursed"] == 18000000, p
	assert p["entries"] == 7, p
	PY
'

expect_ok "--html: one self-contained page, written whole" '
	status_is 1 sanshe verify --html report.html
	grep -q "in 3 spaces: 1 finding$" out
	test "$(ls report.html*)" = report.html
	grep -q "<style>" report.html
	not grep -Eq "<script|<link|src=\"|href=|url\(" report.html
'

expect_ok "the page in chromium: the summary, the over-budget row in words, the title as text" '
	dom report.html >dom.html
	grep -q "<p id=\"summary\" class=\"findings\">Verified [0-9]* commits ([0-9]* merges recomputed), [0-9]* document versions, [0-9]* signatures in 3 spaces: 1 finding</p>" dom.html
	grep -q "<tr class=\"category over\"><td>training</td><td class=\"num\">15,000.00</td><td class=\"num\">16,000.00</td><td class=\"num\">−1,000.00</td><td class=\"num\">106.7%</td><td>OVER BUDGET by 1,000.00 yuan</td></tr>" dom.html
	grep -q "<tr class=\"category\"><td>services</td><td class=\"num\">80,000.00</td><td class=\"num\">5,000.00</td><td class=\"num\">75,000.00</td><td class=\"num\">6.3%</td><td>within budget</td></tr>" dom.html
	grep -q "Disbursed (tranches received, less cancelled disbursements): 180,000.00 yuan." dom.html
	grep -q "&lt;img src=x onerror=alert(1)&gt;兰园社区项目 (project p1)" dom.html
	not grep -q "<img" dom.html
	grep -q "<td class=\"code\">budget-exceeded</td>" dom.html
'

expect_ok "settled by a reversal: no findings, exit 0, and the page says so" '
	ledger r3 reversal 1600000 reverses=x1 >l.jsonl
	sanshe import l.jsonl >/dev/null
	status_is 0 sanshe verify --html report.html
	grep -q ": no findings$" out
	dom report.html >dom.html
	grep -q "<p id=\"summary\" class=\"clean\">Verified [0-9]* commits .* in 3 spaces: no findings</p>" dom.html
	grep -q "<tr class=\"category\"><td>training</td><td class=\"num\">15,000.00</td><td class=\"num\">0.00</td>" dom.html
'

expect_ok "wrong usage exits 2; a page that cannot be written is one line, exit 1" '
	status_is 2 sanshe verify extra
	status_is 2 sanshe verify --html
	status_is 1 sanshe verify --space org/nobody
	one_line err
	status_is 1 sanshe verify --html "$SCRATCH/no/such/dir/report.html"
	one_line err
	test ! -e "$SCRATCH/no"
'

done_testing
