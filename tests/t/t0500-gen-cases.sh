#!/bin/sh
# scripts/gen-cases.py, the case records of the node benchmarks: the same
# lines on every run, each record independent of how many are made, and every
# record valid (validate on files, import on all).
. "$(dirname "$0")/lib.sh"

gen() {
	python3 "$SANSHE_TOP/scripts/gen-cases.py" "$@"
}

expect_ok "the records are the same on every run and do not depend on N or --start" '
	gen 300 >a.jsonl
	gen 300 >b.jsonl
	cmp a.jsonl b.jsonl
	test "$(wc -l <a.jsonl)" -eq 300
	gen 50 >c.jsonl
	head -n 50 a.jsonl | cmp - c.jsonl
	gen 10 --start 100 -o d.jsonl
	sed -n "101,110p" a.jsonl | cmp - d.jsonl
	gen 5 --seed other >e.jsonl
	head -n 5 a.jsonl >f.jsonl
	not cmp -s e.jsonl f.jsonl
'

expect_ok "ids are case-NNNNNN and distinct; most lines weigh 1.3 to 2.6 KB" '
	grep -c "^{\"type\":\"case\",\"id\":\"case-000[0-9][0-9][0-9]\"," a.jsonl >n
	test "$(cat n)" -eq 300
	test "$(grep -o "\"id\":\"case-[0-9]*\"" a.jsonl | sort -u | wc -l)" -eq 300
	test "$(LC_ALL=C awk "length(\$0) >= 1300 && length(\$0) <= 2600" a.jsonl | wc -l)" -ge 250
'

expect_ok "a sample validates line by line, and a node imports all of them" '
	i=0
	while read -r line; do
		i=$((i + 1))
		if [ $((i % 15)) -eq 1 ]; then
			printf "%s\n" "$line" >one.json
			sanshe validate one.json >/dev/null
		fi
	done <a.jsonl
	sanshe init node --org 兰州同心社会工作服务中心 --kind agency --admin "Wang Li" --org-id tongxin --role social-worker >/dev/null 2>&1
	sanshe -C node import "$SCRATCH/a.jsonl" >out
	grep -q "^imported 300 documents into space .org/tongxin.$" out
	sanshe -C node get case/case-000123 >doc.json
	sanshe check doc.json >/dev/null
'

done_testing
