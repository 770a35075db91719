#!/usr/bin/env python3
"""The node benchmarks of `make bench`, run by scripts/bench-node.sh.

    bench_node.py SANSHE SCRATCH

In SCRATCH (an empty directory the caller removes), with SANSHE_HOME,
SANSHE_PASSPHRASE and SANSHE_KDF set by the caller:

1. generates BENCH_DOCS (100,000) case lines with scripts/gen-cases.py (timed
   on its own line, not part of the figures);
2. founds a node and imports them: documents/s, peak RSS, repository size;
3. the git baseline of the same run: the same documents, byte for byte (the
   signed canonical blobs sanshe wrote, taken out with `git archive`), as files
   in a fresh work tree, then `git add -A` and `git commit`: documents/s, peak
   RSS, size of .git;
4. put latency: BENCH_PUTS (15) puts of new case documents, each its own
   process, into the big node and into a node of the first 1,000 documents,
   interleaved with as many runs of `sanshe key check` (which only unlocks the
   key, with the same Argon2id cost): median and min of each.

Peak RSS is that of the process and its waited-for children, from wait4(2)
(the per-child form of getrusage(RUSAGE_CHILDREN)).  Sizes are du -sk.  MB
are MiB.  Python standard library only.
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ORG = ["--org", "兰州同心社会工作服务中心", "--kind", "agency", "--org-id", "tongxin"]
GIT_ID = ["-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
# Stock git would start `gc --auto` in the background after committing 100,000
# loose objects; it would run during the next measurements and change .git
# while it is measured.  Off: the baseline is what add and commit write.
GIT_NO_GC = ["-c", "gc.auto=0", "-c", "maintenance.auto=false"]


def run(argv, cwd=None, stdout=subprocess.DEVNULL):
    """Run argv to completion: (wall seconds, peak RSS in KiB). Stops the bench if it fails."""
    with open(os.path.join(SCRATCH, "stderr"), "w+b") as err:
        start = time.perf_counter()
        p = subprocess.Popen(argv, cwd=cwd, stdout=stdout, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            sys.stderr.write(err.read().decode(errors="replace"))
            sys.exit("bench-node: %s failed (exit %d)" % (" ".join(argv), p.returncode))
    return seconds, usage.ru_maxrss


def du_kib(path):
    out = subprocess.run(["du", "-sk", path], check=True, capture_output=True, text=True).stdout
    return int(out.split()[0])


def mib(kib):
    return "%.0f MB" % (kib / 1024)


def thousands(x):
    return "{:,.0f}".format(x)


def main():
    global SCRATCH
    sanshe, SCRATCH = sys.argv[1], sys.argv[2]
    docs = int(os.environ.get("BENCH_DOCS", "100000"))
    puts = int(os.environ.get("BENCH_PUTS", "15"))
    small = min(1000, docs)
    os.chdir(SCRATCH)
    begin = time.perf_counter()

    # 1. the records (not part of the figures)
    cases = os.path.join(SCRATCH, "cases.jsonl")
    gen = [sys.executable, os.path.join(ROOT, "scripts", "gen-cases.py")]
    secs, _ = run(gen + [str(docs), "-o", cases])
    with open(cases, "rb") as f:
        sizes = sorted(len(line) for line in f)
    print("generated %s case lines in %.1f s (set-up, not measured): %s, median %s bytes a line"
          % (thousands(docs), secs, mib(os.path.getsize(cases) / 1024), thousands(sizes[len(sizes) // 2])))
    with open(cases, "rb") as f, open("small.jsonl", "wb") as out:
        for _ in range(small):
            out.write(f.readline())
    run(gen + [str(puts), "--start", str(docs), "-o", "new.jsonl"])
    new = []
    with open("new.jsonl", "rb") as f:
        for i, line in enumerate(f):
            new.append(os.path.join(SCRATCH, "new-%02d.json" % i))
            with open(new[-1], "wb") as out:
                out.write(line)

    # 2. sanshe import into a new node
    big, little = os.path.join(SCRATCH, "big"), os.path.join(SCRATCH, "small")
    run([sanshe, "init", big, "--admin", "Wang Li", "--role", "social-worker"] + ORG)  # makes the key wang-li
    imp_s, imp_rss = run([sanshe, "-C", big, "import", cases])
    imp_size = du_kib(big)

    # 3. the same bytes as files, git add + commit
    tree = os.path.join(SCRATCH, "git")
    t = time.perf_counter()
    run(["git", "init", "-q", tree])
    subprocess.run("git -C '%s' archive org/tongxin | tar -x -C '%s'" % (big, tree), shell=True, check=True)
    signed = sorted(os.path.getsize(os.path.join(d, name))
                    for d, _, names in os.walk(tree) if "/.git" not in d + "/" for name in names)
    if len(signed) != docs:
        sys.exit("bench-node: git archive gave %d files, not %d" % (len(signed), docs))
    export_s = time.perf_counter() - t
    add_s, add_rss = run(["git"] + GIT_NO_GC + ["add", "-A"], cwd=tree)
    commit_s, commit_rss = run(["git"] + GIT_ID + GIT_NO_GC + ["commit", "-q", "-m", "import"], cwd=tree)
    git_s, git_rss = add_s + commit_s, max(add_rss, commit_rss)
    git_size = du_kib(os.path.join(tree, ".git"))
    subprocess.run(["rm", "-rf", tree], check=True)

    # 4. put latency, on `small` and on `docs` documents, next to the key unlock alone
    run([sanshe, "init", little, "--admin", "Wang Li", "--key", "wang-li", "--role", "social-worker"] + ORG)
    small_s, small_rss = run([sanshe, "-C", little, "import", os.path.join(SCRATCH, "small.jsonl")])
    run([sanshe, "key", "check"])  # once untimed, for the page cache
    unlock, put_small, put_big = [], [], []
    for path in new:  # interleaved, so that a slow moment of the machine hits all three
        unlock.append(run([sanshe, "key", "check"])[0] * 1000)
        put_small.append(run([sanshe, "-C", little, "put", path])[0] * 1000)
        put_big.append(run([sanshe, "-C", big, "put", path])[0] * 1000)
    for repo, n in ((little, small), (big, docs)):
        count = subprocess.run([sanshe, "-C", repo, "ls", "case"], check=True, capture_output=True).stdout.count(b"\n")
        if count != n + puts:
            sys.exit("bench-node: %s holds %d cases, not %d" % (repo, count, n + puts))
    total = time.perf_counter() - begin

    # the table
    sanshe_rate, git_rate = docs / imp_s, docs / git_s
    print("import %-16s sanshe %s docs/s  rss %s  repo %s | git add+commit %s docs/s  rss %s  .git %s"
          " | sanshe/git %.2fx"
          % (thousands(docs) + " cases", thousands(sanshe_rate), mib(imp_rss), mib(imp_size),
             thousands(git_rate), mib(git_rss), mib(git_size), sanshe_rate / git_rate))
    for name, f in (("median", statistics.median), ("min", min)):
        print("put (%-6s of %2d)     %s docs: %.0f ms   %s docs: %.0f ms   key unlock alone: %.0f ms"
              "   put minus unlock: %.0f / %.0f ms"
              % (name, puts, thousands(small), f(put_small), thousands(docs), f(put_big), f(unlock),
                 f(put_small) - f(unlock), f(put_big) - f(unlock)))
    print("  signed documents: median %s bytes, 10%%-90%% %s-%s, %s MB in all"
          % (thousands(signed[docs // 2]), thousands(signed[docs // 10]), thousands(signed[docs * 9 // 10]),
             thousands(sum(signed) / 2 ** 20)))
    print("  import: %.1f s; %s docs: %.2f s, %s docs/s, rss %s | git add %.1f s (rss %s), commit %.1f s"
          " (rss %s); archive+tar (set-up) %.1f s"
          % (imp_s, thousands(small), small_s, thousands(small / small_s), mib(small_rss),
             add_s, mib(add_rss), commit_s, mib(commit_rss), export_s))
    print("  node benchmarks: %.0f s in all, generation included" % total)


if __name__ == "__main__":
    main()
