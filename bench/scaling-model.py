#!/usr/bin/env python3
"""The scaling model of docs/scaling.md: predicted step time and scaling efficiency of `tree` and `sharded` for
N executors and W parameters at a fixed global batch, from constants measured on the development machine
(bench/scaling-constants.sh, bench/share-balance.sh, the optimizer JMH run D in docs/benchmarks.md) and a few
modelled ones (marked below). Prints the markdown tables of docs/scaling.md.

    bench/scaling-model.py [global-batch] [tokens-per-example]
"""
import math
import sys

# ---- measured (docs/scaling.md says with which command) ----
# Idle machine, session 7 (bench/scaling-constants.sh 2 2200 101 4 40 and 2 2200 41 4 100); the values of session 5,
# measured at load average 13-17, are kept in docs/scaling.md for comparison.
STAGE_MS = 30.0             # extra latency of a shuffle stage (trivial tasks), ms
JOB_MS = 80.0               # latency of a job of one stage (trivial tasks), ms
SHUFFLE_BPS = 1.2e9         # shuffle bytes written per executor per second (serialize, write, fetch, read)
RESULT_BPS = 0.8e9          # task-result bytes per second into the driver (all tasks together)
BROADCAST_BPS = 0.6e9       # broadcast payload bytes per second, driver to executors
COMPUTE_NS = 0.10           # forward+backward, ns per parameter per example (dense layers, one core, batch 256)
LAMB_NS_2T = 3.9            # LAMB step, ns per parameter, 2 threads (driver: tree)
LAMB_NS_1T = 4.3            # LAMB step, ns per parameter, 1 thread (an owner: sharded)
# largest share / mean at global batch 32,768 (bench/share-balance.sh)
IMBALANCE = {1: 1.0, 2: 1.005, 8: 1.023, 64: 1.105, 256: 1.260}

# ---- modelled ----
TASK_LAUNCH_MS = 0.5        # driver-side cost per task per stage (serialised task launch and status), not measured here
FAN_IN = 8                  # spark-lamb.training.all-reduce-fan-in default


def imbalance(n, batch):
    """Largest share / mean: measured at batch 32,768 for the N of IMBALANCE; else (modelled) the expected maximum of
    N binomial shares, 1 + sqrt(2 ln N (N - 1) / B), which is within 0.03 of the measured values."""
    if batch == 32768 and n in IMBALANCE:
        return IMBALANCE[n]
    return 1.0 if n == 1 else 1.0 + math.sqrt(2 * math.log(n) * (n - 1) / batch)


def compute_s(w, n, batch, tokens):
    return COMPUTE_NS * 1e-9 * w * tokens * batch / n * imbalance(n, batch)


def stage_s(n):
    return STAGE_MS / 1e3 + TASK_LAUNCH_MS / 1e3 * n


def tree_s(w, n, batch, tokens):
    b = 4.0 * w
    t = JOB_MS / 1e3 + TASK_LAUNCH_MS / 1e3 * n
    t += b * (math.log2(n) + 1) / BROADCAST_BPS          # torrent broadcast: pieces relayed in ~log2 N rounds
    t += compute_s(w, n, batch, tokens)
    parts = n
    while parts > FAN_IN:                                # executor-side tree levels, one shuffle stage each
        groups = math.ceil(parts / FAN_IN)
        t += stage_s(groups) + FAN_IN * b / SHUFFLE_BPS
        parts = groups
    t += parts * b / RESULT_BPS                          # the top parts into the driver
    t += LAMB_NS_2T * 1e-9 * w                           # the optimizer on the driver
    return t


def sharded_s(w, n, batch, tokens):
    b = 4.0 * w
    t = JOB_MS / 1e3 + TASK_LAUNCH_MS / 1e3 * n + 2 * stage_s(n)  # one job of three stages
    t += compute_s(w, n, batch, tokens)
    if n > 1:
        t += 2 * b / SHUFFLE_BPS                         # all-gather + reduce-scatter: each executor writes 2 x 4W bytes
    t += LAMB_NS_1T * 1e-9 * w / n                       # each owner updates its shard
    return t


def main():
    batch = int(sys.argv[1]) if len(sys.argv) > 1 else 32768
    tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    print("model at bench/allreduce.sh's configuration (N = 2, global batch 16):")
    for w in (1047210, 10068810):
        print(f"  {w:,} parameters: tree {tree_s(w, 2, 16, 1) * 1e3:.0f} ms, sharded {sharded_s(w, 2, 16, 1) * 1e3:.0f} ms")
    print(f"\nglobal batch {batch:,} examples, {tokens} token(s) of compute per example\n")
    print("| parameters | N | compute s | tree step s | tree efficiency | sharded step s | sharded efficiency | faster |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for w in (10e6, 100e6, 340e6):
        single = compute_s(w, 1, batch, tokens) + LAMB_NS_2T * 1e-9 * w
        for n in (8, 64, 256):
            tt = tree_s(w, n, batch, tokens)
            ts = sharded_s(w, n, batch, tokens)
            print(f"| {w / 1e6:.0f}M | {n} | {compute_s(w, n, batch, tokens):.2f} | {tt:.2f} | {single / (n * tt):.0%} "
                  f"| {ts:.2f} | {single / (n * ts):.0%} | {'sharded' if ts < tt else 'tree'} |")
    print()
    print("| parameters | tree: fastest N (step s) | tree: last N with efficiency >= 50% | sharded: fastest N (step s) "
          "| sharded: last N with efficiency >= 50% |")
    print("|---:|---:|---:|---:|---:|")
    for w in (10e6, 100e6, 340e6):
        single = compute_s(w, 1, batch, tokens) + LAMB_NS_2T * 1e-9 * w
        row = [f"{w / 1e6:.0f}M"]
        for mode in (tree_s, sharded_s):
            ns = [2 ** k for k in range(0, 13) if 2 ** k <= batch // 8]
            times = {n: mode(w, n, batch, tokens) for n in ns}
            best = min(ns, key=lambda n: times[n])
            half = max([n for n in ns if single / (n * times[n]) >= 0.5], default=1)
            row += [f"{best} ({times[best]:.2f})", f"{half}"]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
