#!/usr/bin/env node
// The peers of the merge benchmark (docs/bench.md), run by bench_merge.py:
//
//   node bench_merge_peers.js automerge|pouchdb NPM SCRATCH RUNS
//
// reads SCRATCH/cases.jsonl (the records), a.jsonl and b.jsonl (each
// replica's edited records), builds the two replicas with the peer, merges B
// into A RUNS times, each time from the replicas as they were, checks the
// result, and prints one JSON line: the times of each series (wall and CPU
// ms), the conflicts, the checks.  NPM is the folder whose node_modules holds the
// packages.  Nothing is timed but the merge itself; bench_merge.py takes the
// process's peak RSS from wait4(2).
//
// Automerge: one Automerge document per case, as sanshe has one document per
// case; strings are ImmutableString, a value replaced whole, as sanshe's
// fields are (Automerge's default string is collaborative text, an
// operation per character).  A replica is each document's saved bytes, as
// on a disk.  The merge is, for each case, Automerge.merge of A's document
// and B's (timed alone), and load + merge + save (timed too, the work of a
// merge that starts and ends on storage, as sanshe merge does).  Documents
// are freed one by one: a process holding 20,000 live Automerge documents
// slows down steeply (tried: loading 20,000 small documents took 10 min).
//
// PouchDB: two databases with the memory adapter, B made by replicating A,
// then each edited; the merge is A.replicate.from(B).  PouchDB keeps whole
// revisions: two concurrent edits of a document conflict whatever fields
// they touch, one revision wins, the other is kept under _conflicts.
"use strict";
const fs = require("fs");
const path = require("path");
const { createRequire } = require("module");

const [name, npm, scratch, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
const requireNpm = createRequire(path.join(path.resolve(npm), "package.json"));
const read = (file) => fs.readFileSync(path.join(scratch, file), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
const records = read("cases.jsonl");
const edits = { a: new Map(read("a.jsonl").map((r) => [r.id, r])), b: new Map(read("b.jsonl").map((r) => [r.id, r])) };
const both = records.filter((r) => edits.a.has(r.id) && edits.b.has(r.id)).map((r) => r.id);
const version = (pkg) => JSON.parse(fs.readFileSync(path.join(npm, "node_modules", pkg, "package.json"), "utf8")).version;
const mib = (bytes) => (bytes / 2 ** 20).toFixed(0) + " MB";
// CPU milliseconds (user + system, every thread of the process) since `since` (process.cpuUsage()).
const cpuMs = (since) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
const errors = [];

// The members `edited` changes from `record`, set on `doc` (through `wrap`).
function setChanged(doc, record, edited, wrap) {
	for (const k of Object.keys(edited))
		if (JSON.stringify(edited[k]) !== JSON.stringify(record[k]))
			doc[k] = wrap(edited[k]);
}

// What a merged record must hold: the status one of the edits, the worker B's.
function expect(id, status, worker, record) {
	const a = edits.a.get(id), b = edits.b.get(id);
	const statuses = [a && a.status, b && b.status].filter(Boolean);
	if (!(statuses.length ? statuses : [record.status]).includes(status))
		errors.push(`${id}: status ${status}, expected one of ${statuses}`);
	if (worker !== (b ? b.assigned_worker : record.assigned_worker))
		errors.push(`${id}: worker ${worker} after the merge`);
}

function automerge() {
	const Automerge = requireNpm("@automerge/automerge");
	const wrap = (v) => typeof v === "string" ? new Automerge.ImmutableString(v)
		: Array.isArray(v) ? v.map(wrap)
		: v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrap(x)]))
		: v;
	const plain = (v) => Automerge.isImmutableString(v) ? v.toString() : v;
	const actors = { a: "aa".repeat(16), b: "bb".repeat(16) };
	let t = performance.now();
	const saved = { a: [], b: [] };
	for (const record of records) {
		const base = Automerge.from(wrap(record));
		const bytes = Automerge.save(base);
		Automerge.free(base);
		for (const side of ["a", "b"]) {
			const edited = edits[side].get(record.id);
			if (!edited) {
				saved[side].push(bytes);
				continue;
			}
			let doc = Automerge.load(bytes, { actor: actors[side] });
			doc = Automerge.change(doc, (d) => setChanged(d, record, edited, wrap));
			saved[side].push(Automerge.save(doc));
			Automerge.free(doc);
		}
	}
	const setup = performance.now() - t;
	const rssBefore = process.memoryUsage().rss;
	const mergeMs = [], mergeCpu = [], wholeMs = [], wholeCpu = [];
	let merged = [];
	for (let run = 0; run < runs; run++) {
		let inMerge = 0, inMergeCpu = 0;
		merged = [];
		t = performance.now();
		const cpu = process.cpuUsage();
		for (let i = 0; i < records.length; i++) {
			const a = Automerge.load(saved.a[i]), b = Automerge.load(saved.b[i]);
			const m0 = performance.now(), c0 = process.cpuUsage();
			const m = Automerge.merge(a, b);
			inMergeCpu += cpuMs(c0);
			inMerge += performance.now() - m0;
			merged.push(Automerge.save(m));
			Automerge.free(m);
			Automerge.free(b);
		}
		wholeMs.push(performance.now() - t);
		wholeCpu.push(cpuMs(cpu));
		mergeMs.push(inMerge);
		mergeCpu.push(inMergeCpu);
	}
	let conflicts = 0, workerConflicts = 0;
	for (let i = 0; i < records.length; i++) {
		const m = Automerge.load(merged[i]), id = records[i].id;
		const c = Automerge.getConflicts(m, "status");
		if (c && Object.keys(c).length > 1) {
			conflicts++;
			const values = Object.values(c).map(plain).sort();
			const want = [edits.a.get(id).status, edits.b.get(id).status].sort();
			if (values.join() !== want.join())
				errors.push(`${id}: conflict between ${values}, expected ${want}`);
		}
		if (Automerge.getConflicts(m, "assigned_worker"))
			workerConflicts += Object.keys(Automerge.getConflicts(m, "assigned_worker")).length > 1;
		expect(id, plain(m.status), plain(m.assigned_worker), records[i]);
		Automerge.free(m);
	}
	if (workerConflicts)
		errors.push(`${workerConflicts} conflicts on assigned_worker, which only B changed`);
	const bytes = (side) => saved[side].reduce((s, b) => s + b.length, 0);
	return {
		name: "Automerge " + version("@automerge/automerge"),
		rows: [["Automerge merge", "merge_ms", "Automerge.merge of each case's two documents"],
			["  Automerge load+merge+save", "whole_ms", "from and to saved bytes"]],
		merge_ms: mergeMs, merge_ms_cpu: mergeCpu, whole_ms: wholeMs, whole_ms_cpu: wholeCpu, conflicts,
		detail: `one document per case, strings as ImmutableString; set-up ${(setup / 1000).toFixed(1)} s;`
			+ ` replicas saved: A ${mib(bytes("a"))}, B ${mib(bytes("b"))}; rss before the merges ${mib(rssBefore)}`,
	};
}

async function pouchdb() {
	const PouchDB = requireNpm("pouchdb-node");
	PouchDB.plugin(requireNpm("pouchdb-adapter-memory"));
	const replicateMs = [], replicateCpu = [];
	let conflicts = 0, rssBefore = 0, bWorkerLost = 0, setup = 0;
	for (let run = 0; run < runs; run++) {
		let t = performance.now();
		const a = new PouchDB(`a-${run}`, { adapter: "memory" }), b = new PouchDB(`b-${run}`, { adapter: "memory" });
		await a.bulkDocs(records.map((r) => ({ _id: r.id, ...r })));
		await b.replicate.from(a);
		for (const [side, db] of [["a", a], ["b", b]]) {
			const ids = [...edits[side].keys()];
			const revs = await db.allDocs({ keys: ids });
			await db.bulkDocs(ids.map((id, i) => ({ _id: id, _rev: revs.rows[i].value.rev, ...edits[side].get(id) })));
		}
		setup = performance.now() - t;
		rssBefore = Math.max(rssBefore, process.memoryUsage().rss);
		t = performance.now();
		const cpu = process.cpuUsage();
		await a.replicate.from(b);
		replicateCpu.push(cpuMs(cpu));
		replicateMs.push(performance.now() - t);
		if (run === 0) {
			const all = await a.allDocs({ include_docs: true, conflicts: true });
			const record = new Map(records.map((r) => [r.id, r]));
			for (const { doc } of all.rows) {
				if (!doc._conflicts) {
					expect(doc._id, doc.status, doc.assigned_worker, record.get(doc._id));
					continue;
				}
				conflicts++;
				const other = await a.get(doc._id, { rev: doc._conflicts[0] });
				const want = [edits.a.get(doc._id).status, edits.b.get(doc._id).status].sort();
				if (doc._conflicts.length !== 1 || [doc.status, other.status].sort().join() !== want.join())
					errors.push(`${doc._id}: revisions with ${doc.status} and ${other.status}, expected ${want}`);
				bWorkerLost += doc.assigned_worker !== edits.b.get(doc._id).assigned_worker;
			}
		}
		await a.destroy();
		await b.destroy();
	}
	return {
		name: "PouchDB " + version("pouchdb-node"),
		rows: [["PouchDB replicate B to A", "replicate_ms", "memory adapter, whole revisions"]],
		replicate_ms: replicateMs, replicate_ms_cpu: replicateCpu, conflicts,
		detail: `memory adapter; set-up ${(setup / 1000).toFixed(1)} s a run; rss before replicating ${mib(rssBefore)};`
			+ ` of the ${conflicts.toLocaleString("en-US")} conflicted documents, ${bWorkerLost.toLocaleString("en-US")} have a winning revision without B's worker`
			+ " edit (whole revisions: it is only in the losing one)",
	};
}

(async () => {
	const report = name === "automerge" ? automerge() : name === "pouchdb" ? await pouchdb() : null;
	if (!report)
		throw new Error(`unknown peer ${name}: automerge or pouchdb`);
	if (report.conflicts !== both.length)
		errors.push(`${report.conflicts} conflicted documents, expected ${both.length}`);
	if (errors.length) {
		console.error(`bench_merge_peers: ${report.name}: ${errors.length} errors, the first: ${errors.slice(0, 5).join("; ")}`);
		process.exit(1);
	}
	console.log(JSON.stringify(report));
})().catch((e) => {
	console.error(`bench_merge_peers: ${name}: ${e.stack || e}`);
	process.exit(1);
});
