#!/usr/bin/env python3
"""The merge benchmark of `make bench`, run by scripts/bench-merge.sh.

    bench_merge.py SANSHE MEASURE SCRATCH [NPM]

The workload people compare sync engines on: BENCH_MERGE_DOCS (10,000) case
documents on two replicas; replica A changes `status` of documents 0-4,999,
replica B changes `status` (to another value than A's) and `assigned_worker`
of documents 2,500-7,499; then B is merged into A.  The 2,500 documents both
changed have one same-field conflict each (status) and one edit of a field
only B changed (the worker), which must merge cleanly; the others changed on
one side only.

In SCRATCH (an empty directory the caller removes), with SANSHE_HOME,
SANSHE_PASSPHRASE and SANSHE_KDF set by the caller:

1. the records (scripts/gen-cases.py) and the edits of each replica, as JSON
   lines (set-up, not measured);
2. sanshe: node A founded, with a second member (Li Na) for replica B; the
   records imported; B a copy of A (cp -a, as tests/t/t0600-merge.sh does);
   A imports its edits (signed by Wang Li), B its own (signed by Li Na); A
   fetches B's space with plain git fetch.  Then BENCH_MERGE_RUNS (5) times,
   interleaved with the baselines: `sanshe key check` (the key unlock alone)
   and `sanshe merge`, each run on its own fresh copy of A as it was before
   the merge (a copy, not only the ref reset: a second merge in the same
   repository finds its objects already written and is faster; it is run
   too, after `git update-ref`, and shown on a line of its own);
3. checks, fatal when they fail: every run writes the same tree; `sanshe
   conflicts --json` lists exactly the 2,500 documents, each with one
   conflict at /status holding both values (the one kept and the other, by
   the member who wrote it); every document of the merged tree holds what
   it should (A's, B's or both sides' edits, the worker edit merged);
4. the git baseline: the same records as plain pretty-printed JSON files
   (sorted keys, one member a line: git's line merge then merges edits of
   different fields, its best case), edited the same way on two branches;
   `git merge-tree --write-tree` (objects only, like sanshe's bare
   repository) and `git merge` in a work tree, each run on a fresh copy;
   the files git reports conflicted are counted (2,500 expected);
5. the peers, when NPM (a folder with @automerge/automerge, pouchdb-node and
   pouchdb-adapter-memory in node_modules) is given: bench_merge_peers.js
   runs each in a node process of its own; its peak RSS is that process's.

Each command is run by MEASURE (build/bench/measure, scripts/bench/measure.c):
its wall and CPU time, start to exit, and its peak RSS from wait4(2), taken
by a small parent: a child of this Python would count Python's own size in
its peak.  `sync` runs before each timed command.  MB are MiB.  Python
standard library only.
"""
import collections
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORG = ["--org", "兰州同心社会工作服务中心", "--kind", "agency", "--org-id", "tongxin"]
SPACE = "org/tongxin"
PEER_REF = "refs/remotes/peer/" + SPACE
GIT_ID = ["-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
GIT_NO_GC = ["-c", "gc.auto=0", "-c", "maintenance.auto=false"]
# The statuses an edit may set: "closed" would need a closing date too.
STATUSES = ["in-service", "referred", "assessed", "open"]


def fail(message):
    sys.exit("bench-merge: " + message)


class Measured(collections.namedtuple("Measured", "wall cpu rss out")):
    """A command run under `measure`: wall and CPU (user + system) seconds,
    peak RSS in KiB, its standard output."""


def run(argv, cwd=None, ok=(0,)):
    """Run argv to completion under `measure`: a Measured.  Stops the bench
    when the exit status is not in `ok`."""
    report = os.path.join(SCRATCH, "measured")
    with open(os.path.join(SCRATCH, "stderr"), "w+b") as err, open(os.path.join(SCRATCH, "stdout"), "w+b") as out:
        subprocess.run([MEASURE, report] + argv, cwd=cwd, stdout=out, stderr=err)
        with open(report) as f:
            code, wall, rss, user, system = f.read().split()
        out.seek(0)
        if int(code) not in ok:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            fail("%s failed (exit %s)" % (" ".join(argv), code))
        return Measured(float(wall), float(user) + float(system), int(rss), out.read())


def git(*args, cwd=None):
    return subprocess.run(["git"] + GIT_NO_GC + list(args), cwd=cwd, check=True, capture_output=True).stdout


def mib(kib):
    return "%.0f MB" % (kib / 1024)


def thousands(x):
    return "{:,.0f}".format(x)


def write_lines(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")


# ---- 1. the records and the edits ----

def workload(docs):
    """The records, and for each replica its edited records and what it changed."""
    path = os.path.join(SCRATCH, "cases.jsonl")
    secs = run([sys.executable, os.path.join(ROOT, "scripts", "gen-cases.py"), str(docs), "-o", path]).wall
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    workers = sorted({r["assigned_worker"] for r in records})
    a_from, a_to = 0, docs // 2               # 0-4,999
    b_from, b_to = docs // 4, docs * 3 // 4   # 2,500-7,499
    a_status, b_status, b_worker = {}, {}, {}
    for i, r in enumerate(records):
        first = [s for s in STATUSES if s != r["status"]]
        if a_from <= i < a_to:
            a_status[r["id"]] = first[0]
        if b_from <= i < b_to:
            b_status[r["id"]] = first[1]  # never A's value
            b_worker[r["id"]] = workers[(workers.index(r["assigned_worker"]) + 1) % len(workers)]
    write_lines(os.path.join(SCRATCH, "a.jsonl"),
                (dict(r, status=a_status[r["id"]]) for r in records if r["id"] in a_status))
    write_lines(os.path.join(SCRATCH, "b.jsonl"),
                (dict(r, status=b_status[r["id"]], assigned_worker=b_worker[r["id"]])
                 for r in records if r["id"] in b_status))
    both = sorted(set(a_status) & set(b_status))
    print("generated %s case lines in %.1f s; replica A edits status of %s, replica B status and worker of %s;"
          " %s changed on both sides (set-up, not measured)"
          % (thousands(docs), secs, thousands(len(a_status)), thousands(len(b_status)), thousands(len(both))))
    return records, a_status, b_status, b_worker, both


# ---- 2. sanshe ----

def sanshe_nodes(sanshe):
    """Nodes A and B, edited; B's space fetched into A.  A's directory."""
    a, b = os.path.join(SCRATCH, "a"), os.path.join(SCRATCH, "b")
    run([sanshe, "init", a, "--admin", "Wang Li", "--role", "social-worker"] + ORG)  # makes the key wang-li, the default
    run([sanshe, "key", "new", "li"])
    public = subprocess.run([sanshe, "key", "show", "li"], check=True, capture_output=True,
                            text=True).stdout.splitlines()[0]
    member = os.path.join(SCRATCH, "li.json")
    with open(member, "w") as f:
        json.dump({"type": "member", "id": "li", "name": "Li Na", "org": "tongxin", "roles": ["social-worker"],
                   "key": public, "valid_from": "2020-01-01T00:00:00Z"}, f)
    run([sanshe, "-C", a, "put", member])
    t = time.perf_counter()
    run([sanshe, "-C", a, "import", os.path.join(SCRATCH, "cases.jsonl")])
    run(["cp", "-a", a, b])
    run([sanshe, "-C", a, "import", os.path.join(SCRATCH, "a.jsonl")])
    run([sanshe, "-C", b, "import", "--key", "li", os.path.join(SCRATCH, "b.jsonl")])
    run(["git", "-C", a, "fetch", "-q", b, "+%s:%s" % (SPACE, PEER_REF)])
    print("  sanshe nodes: import, copy, edits and fetch in %.1f s (set-up)" % (time.perf_counter() - t))
    return a


def fingerprint(sanshe, name):
    out = subprocess.run([sanshe, "key", "show", name, "--json"], check=True, capture_output=True).stdout
    return json.loads(out)["fingerprint"]


def check_conflicts(sanshe, node, a_status, b_status, both, keys):
    """`sanshe conflicts --json`: the documents both changed, each one conflict at
    /status with both values, each by the member who wrote it."""
    listed = json.loads(run([sanshe, "-C", node, "conflicts", "--json"]).out)
    if len(listed) != len(both):
        fail("sanshe conflicts lists %d documents, not %d" % (len(listed), len(both)))
    if sorted(d["id"] for d in listed) != both:
        fail("sanshe conflicts lists other documents than the %d both replicas changed" % len(both))
    for d in listed:
        if len(d["conflicts"]) != 1 or d["conflicts"][0]["path"] != "/status":
            fail("%s: conflicts at %s, not one at /status" % (d["id"], [c["path"] for c in d["conflicts"]]))
        c = d["conflicts"][0]
        if len(c["others"]) != 1 or "value" not in c["kept"] or "value" not in c["others"][0]:
            fail("%s: not one value kept and one other: %s" % (d["id"], json.dumps(c, ensure_ascii=False)))
        kept, other = c["kept"]["value"], c["others"][0]
        values = {"A": a_status[d["id"]], "B": b_status[d["id"]]}
        loser = "A" if kept == values["B"] else "B"
        if {kept, other["value"]} != set(values.values()) or other["key"] != keys[loser]:
            fail("%s: kept %r, other %r by %s; the replicas wrote %r" % (
                d["id"], kept, other["value"], other.get("member"), values))
    return len(listed)


def read_tree(repo, rev):
    """Every case document of `rev` in the bare repository `repo`, by id."""
    listing = git("-C", repo, "ls-tree", "-r", rev).decode().splitlines()
    oids = [line.split()[2] for line in listing if line.split("\t")[1].startswith("case/")]
    out = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="\n".join(oids).encode() + b"\n",
                         check=True, capture_output=True).stdout
    docs, pos = {}, 0
    for _ in oids:
        end = out.index(b"\n", pos)
        size = int(out[pos:end].split()[2])
        doc = json.loads(out[end + 1:end + 1 + size])
        docs[doc["id"]] = doc
        pos = end + 1 + size + 1
    return docs


def check_tree(node, records, a_status, b_status, b_worker, keys):
    """The merged documents, each as it should be; the number of them with _conflicts."""
    docs = read_tree(node, SPACE)
    if len(docs) != len(records):
        fail("the merged space holds %d cases, not %d" % (len(docs), len(records)))
    conflicted = 0
    for r in records:
        i, d = r["id"], docs[r["id"]]
        status = {a_status.get(i), b_status.get(i)} - {None} or {r["status"]}
        worker = b_worker.get(i, r["assigned_worker"])
        if d["status"] not in status or d["assigned_worker"] != worker:
            fail("%s: status %r, worker %r after the merge; expected %r and %r"
                 % (i, d["status"], d["assigned_worker"], status, worker))
        if len(status) == 2:
            other = [c for c in d.get("_conflicts", []) if c["path"] == "/status"]
            loser = "A" if d["status"] == b_status[i] else "B"
            if len(d.get("_conflicts", [])) != 1 or len(other) != 1 or "_merge" not in d or \
                    {d["status"], other[0].get("value")} != status or other[0]["key"] != keys[loser]:
                fail("%s: the merge version does not keep both values: %s"
                     % (i, json.dumps({k: d.get(k) for k in ("status", "_conflicts", "_merge")}, ensure_ascii=False)))
            conflicted += 1
        elif "_conflicts" in d:
            fail("%s: a conflict where only one replica changed the document" % i)
        for k, v in r.items():
            if k not in ("status", "assigned_worker") and d.get(k) != v:
                fail("%s: %s changed by the merge" % (i, k))
    return conflicted


# ---- 4. the git baseline ----

def shard(doc_id):
    return "case/%s/%s.json" % (hashlib.sha256(doc_id.encode()).hexdigest()[:2], doc_id)


def plain(record):
    """A record as a plain JSON file: keys sorted, one member a line."""
    return (json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def fast_import_commit(branch, mark, parent, message, records):
    """A commit of git fast-import's stream, marked `mark`: `records` as files on `parent` (a mark or None)."""
    chunks = [b"commit refs/heads/%s\nmark :%d\n" % (branch.encode(), mark),
              b"committer Bench <bench@example.org> 1700000000 +0000\n",
              b"data %d\n%s\n" % (len(message), message.encode())]
    if parent:
        chunks.append(b"from :%d\n" % parent)
    for r in records:
        text = plain(r)
        chunks.append(b"M 100644 inline %s\ndata %d\n%s\n" % (shard(r["id"]).encode(), len(text), text))
    return b"".join(chunks)


def git_repo(records, a_status, b_status, b_worker):
    """A work tree with branches a and b of the plain JSON files, edited alike; on a.

    Made with fast-import and checked out once: rewriting files in a work
    tree deletes as many inodes, and on this machine's ext4 (no journal)
    creating files just after many deletions is slow (see docs/bench.md),
    which would weigh on the merges measured next."""
    tree = os.path.join(SCRATCH, "git")
    t = time.perf_counter()
    git("init", "-q", "-b", "a", tree)
    stream = fast_import_commit("a", 1, None, "records", records) + \
        fast_import_commit("b", 2, 1, "replica B", [dict(r, status=b_status[r["id"]], assigned_worker=b_worker[r["id"]])
                                                 for r in records if r["id"] in b_status]) + \
        fast_import_commit("a", 3, 1, "replica A", [dict(r, status=a_status[r["id"]])
                                                 for r in records if r["id"] in a_status])
    subprocess.run(["git"] + GIT_NO_GC + ["fast-import", "--quiet"], input=stream, cwd=tree, check=True)
    git("repack", "-q", "-a", "-d", cwd=tree)
    git("reset", "-q", "--hard", "a", cwd=tree)
    print("  git repository: records, branches a and b in %.1f s (set-up)" % (time.perf_counter() - t))
    return tree


def merge_tree_conflicts(out):
    """The conflicted files of `git merge-tree --write-tree --name-only`: lines after the tree id, to a blank."""
    lines = out.decode().split("\n")
    names = []
    for line in lines[1:]:
        if not line:
            break
        names.append(line)
    return names


def check_git_worktree(tree, a_status, b_status, b_worker, both):
    """The files git left conflicted: the documents both changed, with both statuses, the worker merged."""
    names = git("diff", "--name-only", "--diff-filter=U", cwd=tree).decode().split()
    if sorted(names) != sorted(shard(i) for i in both):
        fail("git merge left %d files conflicted, not the %d both replicas changed" % (len(names), len(both)))
    for i in both:
        with open(os.path.join(tree, shard(i)), encoding="utf-8") as f:
            text = f.read()
        if text.count("<<<<<<<") != 1 or '"status": "%s"' % a_status[i] not in text or \
                '"status": "%s"' % b_status[i] not in text or '"assigned_worker": "%s"' % b_worker[i] not in text:
            fail("git merge: %s does not hold both statuses and B's worker" % shard(i))
    return len(names)


# ---- 5. the peers ----

def peer(npm, name, runs):
    """bench_merge_peers.js for one peer: its report, and its node process measured."""
    script = os.path.join(ROOT, "scripts", "bench", "bench_merge_peers.js")
    process = run(["node", script, name, npm, SCRATCH, str(runs)])
    return json.loads(process.out.decode().strip().splitlines()[-1]), process


# ---- the table ----

def versions(npm):
    out = lambda argv: subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    said = [out(["git", "--version"])]
    if npm:
        said.append("node " + out(["node", "--version"]))
    return ", ".join(said)


class Table:
    """Rows of medians (wall, CPU), peak RSS, conflicts, and sanshe's medians over each."""

    def __init__(self, docs, runs):
        print("merge %-24s %9s %9s %8s %11s   sanshe/this: time, cpu"
              % ("%s cases, median of %d" % (thousands(docs), runs), "time", "cpu", "peak rss", "conflicts"))
        self.sanshe = None

    def row(self, label, walls, cpus, rss, conflicts="", note="", ratio=True):
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        if self.sanshe is None:
            self.sanshe = wall, cpu
        ratios = "%5.2fx %5.2fx" % (self.sanshe[0] / wall, self.sanshe[1] / cpu) if ratio else ""
        note = ("min %.3f s; " % min(walls) + note) if len(walls) > 1 else note
        print("  %-28s %7.3f s %7.3f s %8s %11s   %-13s   %s"
              % (label, wall, cpu, mib(rss) if rss else "", conflicts, ratios, note))

    def commands(self, label, series, conflicts="", note="", ratio=True):
        self.row(label, [m.wall for m in series], [m.cpu for m in series], max(m.rss for m in series),
                 conflicts, note, ratio)


def main():
    global SCRATCH
    global MEASURE
    sanshe, MEASURE, SCRATCH = sys.argv[1], sys.argv[2], sys.argv[3]
    npm = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
    docs = int(os.environ.get("BENCH_MERGE_DOCS", "10000"))
    runs = int(os.environ.get("BENCH_MERGE_RUNS", "5"))
    os.chdir(SCRATCH)
    begin = time.perf_counter()

    records, a_status, b_status, b_worker, both = workload(docs)
    node = sanshe_nodes(sanshe)
    keys = {"A": fingerprint(sanshe, "wang-li"), "B": fingerprint(sanshe, "li")}
    tree = git_repo(records, a_status, b_status, b_worker)

    # Each run on fresh copies, all made first; then, before each timed
    # command, sync: sanshe ends a merge with syncfs(2), which would
    # otherwise also write out whatever the copies left dirty.
    copies, bares, works = [], [], []
    for i in range(runs):
        copies.append(os.path.join(SCRATCH, "a-%d" % i))
        bares.append(os.path.join(SCRATCH, "git-%d.git" % i))
        works.append(os.path.join(SCRATCH, "git-%d" % i))
        subprocess.run(["cp", "-a", node, copies[-1]], check=True)
        subprocess.run(["cp", "-a", os.path.join(tree, ".git"), bares[-1]], check=True)
        subprocess.run(["cp", "-a", tree, works[-1]], check=True)
        git("update-index", "-q", "--refresh", cwd=works[-1])  # cp -a changed the inodes the index remembers
    run([sanshe, "key", "check"])  # once untimed, for the page cache

    def timed(argv, cwd=None, ok=(0,)):
        os.sync()
        return run(argv, cwd=cwd, ok=ok)

    # interleaved, so that a slow moment of the machine hits every series
    pre = git("-C", node, "rev-parse", SPACE).strip().decode()
    merge_cmd = [sanshe, "-C", None, "merge", "--json", "peer/" + SPACE]
    unlock, merge, again, merge_tree, git_merge, trees = [], [], [], [], [], set()
    for i in range(runs):
        merge_cmd[2] = copies[i]
        unlock.append(timed([sanshe, "key", "check"]))
        merge.append(timed(merge_cmd))
        stats = json.loads(merge[-1].out)
        if stats["outcome"] != "merged" or stats["conflicts"] != len(both):
            fail("sanshe merge: %s; expected %d conflicts" % (merge[-1].out.decode().strip(), len(both)))
        trees.add(git("-C", copies[i], "rev-parse", SPACE + "^{tree}").strip())
        git("-C", copies[i], "update-ref", "refs/heads/" + SPACE, pre)
        again.append(timed(merge_cmd))
        trees.add(git("-C", copies[i], "rev-parse", SPACE + "^{tree}").strip())
        merge_tree.append(timed(["git", "--git-dir", bares[i]] + GIT_NO_GC +
                                ["merge-tree", "--write-tree", "--name-only", "a", "b"], ok=(1,)))
        git_merge.append(timed(["git"] + GIT_ID + GIT_NO_GC + ["merge", "-q", "--no-edit", "b"],
                               cwd=works[i], ok=(1,)))
    if len(trees) != 1:
        fail("the %d merges wrote %d different trees" % (2 * runs, len(trees)))
    listed = check_conflicts(sanshe, copies[0], a_status, b_status, both, keys)
    in_tree = check_tree(copies[0], records, a_status, b_status, b_worker, keys)
    for m in merge_tree:
        if len(merge_tree_conflicts(m.out)) != len(both):
            fail("git merge-tree reported %d conflicted files, not %d" % (len(merge_tree_conflicts(m.out)), len(both)))
    git_conflicts = check_git_worktree(works[0], a_status, b_status, b_worker, both)

    peers = [peer(npm, name, runs) for name in ("automerge", "pouchdb")] if npm else []

    table = Table(docs, runs)
    table.commands("sanshe merge", merge, thousands(listed),
                   "%s documents changed on both sides" % thousands(stats["changed_on_both_sides"]))
    table.commands("  key unlock alone", unlock, note="sanshe key check", ratio=False)
    table.row("  merge minus unlock", [statistics.median(m.wall for m in merge) - statistics.median(m.wall for m in unlock)],
              [statistics.median(m.cpu for m in merge) - statistics.median(m.cpu for m in unlock)], 0, ratio=False)
    table.commands("  again, objects written", again, note="the same merge after git update-ref to the head before it",
                   ratio=False)
    table.commands("git merge-tree --write-tree", merge_tree, thousands(len(both)) + " files",
                   "objects only, no work tree")
    table.commands("git merge (work tree)", git_merge, thousands(git_conflicts) + " files", "index and files too")
    for report, process in peers:
        for label, key, note in report["rows"]:
            table.row(label, [ms / 1000 for ms in report[key]], [ms / 1000 for ms in report[key + "_cpu"]],
                      process.rss, thousands(report["conflicts"]), note)
    if npm is None:
        print("  Automerge, PouchDB: skipped (%s)" % os.environ.get("BENCH_PEERS_SKIPPED", "no npm packages"))
    print("  %s; peak RSS: the largest of the runs; the peers' is their node process's, set-up included"
          % versions(npm))
    print("  checked: %s documents listed by sanshe conflicts, each /status with both values and their authors;"
          " the %s merged documents as expected (%s with _conflicts); %d merges, one tree"
          % (thousands(listed), thousands(docs), thousands(in_tree), 2 * runs))
    wall, rss = statistics.median(m.wall for m in merge), max(m.rss for m in merge)
    print("  aim under 0.5 s and 100 MB: time %s (%.3f s), memory %s (%s)"
          % ("met" if wall < 0.5 else "MISSED", wall, "met" if rss < 100 * 1024 else "MISSED", mib(rss)))
    for report, process in peers:
        print("  %s: %s; the process: %.1f s" % (report["name"], report["detail"], process.wall))
    print("  merge benchmarks: %.0f s in all, set-up included" % (time.perf_counter() - begin))


if __name__ == "__main__":
    main()
