#!/usr/bin/env python3
"""Summarizes scripts/bench.sh results: per-phase medians and ratios.

Usage:
  summarize.py workload RESULTS.jsonl      # one JSON line per workload run
  summarize.py criterion CRITERION_DIR OUT # target/criterion and the output of page_seal
  summarize.py unlock UNLOCK.json          # bench_workload --unlock output
  summarize.py last RESULTS.jsonl RUN      # one progress line for the last run

Benchmarks, not tests: nothing here asserts; targets are reported as met or
missed.
"""

import json
import os
import statistics
import sys

ENGINES = ["plain", "sealed", "sqlcipher"]
PHASES = ["insert", "point_reads", "fts", "updates", "scan"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def ratio(a, b):
    return a / b if b else float("nan")


def workload(path):
    runs = {e: [] for e in ENGINES}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                r = json.loads(line)
                runs[r["engine"]].append(r)
    present = [e for e in ENGINES if runs[e]]
    first = runs[present[0]][0]
    print(f"patients: {first['patients']}, page cache: {first['cache_kib']} KiB, "
          f"runs: {', '.join(f'{e} {len(runs[e])}' for e in present)}")
    for e in present:
        r = runs[e][0]
        extra = ""
        if e == "sqlcipher":
            extra = (f", SQLCipher {r.get('cipher_version')} ({r.get('cipher_provider')} "
                     f"{r.get('cipher_provider_version')}), cipher_memory_security={r.get('cipher_memory_security')}")
        print(f"  {e}: SQLite {r['sqlite_version']}, {r['page_count']} pages at the end{extra}")
    print()

    rows = []
    for p in PHASES:
        rows.append((p, {e: med([r["phases"][p]["s"] for r in runs[e]]) for e in present}))
    rows.append(("total", {e: med([r["total_s"] for r in runs[e]]) for e in present}))
    rows.append(("process wall", {e: med([r["wall_s"] for r in runs[e] if "wall_s" in r]) for e in present}))

    head = f"| {'phase':<13} |" + "".join(f" {e + ' s':>11} |" for e in present)
    pairs = [("sealed", "plain"), ("sqlcipher", "plain"), ("sealed", "sqlcipher")]
    pairs = [(a, b) for a, b in pairs if a in present and b in present]
    head += "".join(f" {a + '/' + b:>16} |" for a, b in pairs)
    print("Median seconds over the runs, and ratios of the medians:")
    print()
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for name, m in rows:
        line = f"| {name:<13} |" + "".join(f" {m[e]:>11.3f} |" for e in present)
        line += "".join(f" {ratio(m[a], m[b]):>16.2f} |" for a, b in pairs)
        print(line)
    print()

    # The machine may be shared: a burst of someone else's I/O or CPU lands
    # on one run. Two views less sensitive to that: the median over rounds
    # of the ratio within each round (the engines run back to back), and
    # the ratio of the best (minimum) times.
    rounds = min(len(runs[e]) for e in present)
    def phase_s(r, name):
        return r["total_s"] if name == "total" else r["phases"][name]["s"]
    print("Less noise-sensitive views: median over rounds of the per-round ratio; ratio of the best of the runs:")
    print()
    head = f"| {'phase':<13} |" + "".join(f" {a + '/' + b + ' per-round':>26} |" for a, b in pairs)
    head += "".join(f" {a + '/' + b + ' best':>21} |" for a, b in pairs)
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for name in PHASES + ["total"]:
        line = f"| {name:<13} |"
        for a, b in pairs:
            per = med([ratio(phase_s(runs[a][i], name), phase_s(runs[b][i], name)) for i in range(rounds)])
            line += f" {per:>26.2f} |"
        for a, b in pairs:
            best = ratio(min(phase_s(r, name) for r in runs[a]), min(phase_s(r, name) for r in runs[b]))
            line += f" {best:>21.2f} |"
        print(line)
    print()

    print("Median counters per phase (SQLite page-cache misses / pages written from the cache;"
          " sealed: page seals / opens):")
    print()
    cols = [f"{e} miss/write" for e in present] + (
        ["sealed seals/opens", "opens per miss", "seals per write"] if "sealed" in present else []
    )
    head = f"| {'phase':<13} |" + "".join(f" {c:>22} |" for c in cols)
    print(head)
    print("|" + "|".join("-" * (len(c)) for c in head.split("|")[1:-1]) + "|")
    for p in PHASES:
        cells = []
        for e in present:
            miss = med([r["phases"][p]["cache_miss"] for r in runs[e]])
            wr = med([r["phases"][p]["cache_write"] for r in runs[e]])
            cells.append(f"{miss:.0f} / {wr:.0f}")
        if "sealed" in present:
            s = med([r["phases"][p]["seals"] for r in runs["sealed"]])
            o = med([r["phases"][p]["opens"] for r in runs["sealed"]])
            cells.append(f"{s:.0f} / {o:.0f}")
            # The target: no more opens than SQLite's page reads (its cache
            # misses) and no more seals than its page writes, in the same run.
            miss = med([r["phases"][p]["cache_miss"] for r in runs["sealed"]])
            wr = med([r["phases"][p]["cache_write"] for r in runs["sealed"]])
            cells.append(f"{o / miss:.2f}" if miss else ("-" if not o else "inf"))
            cells.append(f"{s / wr:.2f}" if wr else ("-" if not s else "inf"))
        print(f"| {p:<13} |" + "".join(f" {c:>22} |" for c in cells))
    print()

    # Every engine must have done the same work.
    checks = {}
    for e in present:
        for r in runs[e]:
            checks.setdefault(json.dumps(r["checks"], sort_keys=True), []).append(e)
    if len(checks) == 1:
        print(f"checks agree across all runs: {next(iter(checks))}")
    else:
        print("WARNING: check values differ between runs:")
        for k, v in checks.items():
            print(f"  {sorted(set(v))}: {k}")
    print()

    if "sealed" in present and "plain" in present:
        t = ratio(rows[-2][1]["sealed"], rows[-2][1]["plain"])
        print(f"target: sealed total within 1.15x of plain: {t:.2f}x -> {'met' if t <= 1.15 else 'MISSED'}")
    if "sealed" in present and "sqlcipher" in present:
        slow = [name for name, m in rows[:-1] if m["sealed"] >= m["sqlcipher"]]
        print("target: every phase faster than SQLCipher: "
              + ("met" if not slow else f"MISSED in {', '.join(slow)}"))


def criterion(root, output):
    def est(group, name):
        path = os.path.join(root, group, name, "new", "estimates.json")
        with open(path) as f:
            e = json.load(f)
        return e["median"]["point_estimate"], e["median"]["confidence_interval"]

    inter = None
    with open(output) as f:
        for line in f:
            if line.startswith("INTERLEAVED "):
                inter = json.loads(line[len("INTERLEAVED "):])
    print("Criterion (each benchmark in turn) and the interleaved comparison"
          + (f" ({inter['rounds']} rounds of {inter['batch']} pages):" if inter else ":"))
    print()
    print("| operation on one 4 KiB page | criterion median ns (95% CI) | interleaved median ns |")
    print("|---|---|---|")
    for group, name in [("seal_4k", "raw_encrypt"), ("seal_4k", "raw_encrypt_body"), ("seal_4k", "page_seal"),
                        ("open_4k", "raw_decrypt"), ("open_4k", "raw_decrypt_body"), ("open_4k", "page_open")]:
        m, ci = est(group, name)
        il = f"{inter[name + '_ns']:.0f}" if inter else "-"
        print(f"| {group}/{name} | {m:.0f} ({ci['lower_bound']:.0f}-{ci['upper_bound']:.0f}) | {il} |")
    print()
    if inter:
        print("Median of per-round ratios (interleaved):")
        for k, v in inter.items():
            if "/" in k:
                print(f"  {k} = {v:.3f}")
        s = inter["page_seal/raw_encrypt"]
        print(f"target: sealing a 4 KiB page within 1.2x of raw AES-GCM: {s:.2f}x -> {'met' if s <= 1.2 else 'MISSED'}")


def unlock(path):
    with open(path) as f:
        r = json.loads(f.read().strip().splitlines()[-1])
    k = r["kdf"]
    print(f"Argon2id calibrated on this machine: m = {k['m_kib']} KiB, t = {k['t']}, p = {k['p']}; "
          f"vault creation (calibration + 2 slots) {r['create_s']:.2f} s")
    print(f"Vault::open: median {r['unlock_median_s']:.3f} s over {len(r['unlock_s'])} "
          f"(samples {', '.join(f'{x:.3f}' for x in r['unlock_s'])})")


def last(path, run):
    with open(path) as f:
        r = json.loads(f.read().strip().splitlines()[-1])
    print(f"  run {run} {r['engine']:<9} total {r['total_s']:.3f} s, process wall {r['wall_s']:.3f} s", flush=True)


if __name__ == "__main__":
    cmds = {"workload": workload, "criterion": criterion, "unlock": unlock, "last": last}
    if len(sys.argv) < 3 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
