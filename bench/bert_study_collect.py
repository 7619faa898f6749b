#!/usr/bin/env python3
"""Collects the BERT batch-size study (bench/bert-batch-study.sh) into CSV files and a Markdown table.

    bench/bert_study_collect.py RESULTS_DIR TRAINING_SEQUENCES

Reads RESULTS_DIR/<run>/{run.json, summary.json, metrics-trimmed.jsonl, heldout-seq32.json}; writes
RESULTS_DIR/runs.csv (one row per run), RESULTS_DIR/curves.csv (every held-out evaluation of every run) and prints
the Markdown tables of docs/results.md. Standard library only.
"""
import csv
import json
import os
import re
import statistics
import sys

# Stage 1's sequence length; "epochs" counts token positions over those of the length-16 training set, so a stage of
# 2,048 sequences of 32 counts as much as 4,096 of 16.
LENGTH = 16

def load(path):
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        # run.json of the first script version: its "command" (the last field) was shell-quoted, not JSON-escaped
        fixed = re.sub(r',"command":".*"}\s*$', "}", text, flags=re.S)
        return json.loads(fixed)


def main():
    results, n_train = sys.argv[1], int(sys.argv[2])
    rows, curves = [], []
    for name in sorted(os.listdir(results)):
        d = os.path.join(results, name)
        run = load(os.path.join(d, "run.json"))
        if run is None:
            continue
        summary = load(os.path.join(d, "summary.json")) or {}
        metrics = []
        mpath = os.path.join(d, "metrics-trimmed.jsonl")
        if os.path.isfile(mpath):
            with open(mpath) as f:
                metrics = [json.loads(line) for line in f]
        steps = summary.get("steps") or len(metrics)
        batch = run["globalBatch"]
        # token positions used (sequences x length): a two-stage run records its stages; otherwise steps x batch x 16
        stages = summary.get("stages")
        sequences = sum(s["globalBatch"] * s["steps"] for s in stages) if stages else steps * batch
        positions = sum(s["globalBatch"] * s["steps"] * s["sequenceLength"] for s in stages) if stages \
            else steps * batch * LENGTH
        tps = [m["tokensPerSecond"] for m in metrics[1:] if m.get("tokensPerSecond")]
        last10 = [m["loss"] for m in metrics[-10:] if m.get("loss") is not None]
        seq32 = load(os.path.join(d, "heldout-seq32.json"))
        row = {
            "name": name,
            "optimizer": run["optimizer"],
            "global_batch": batch,
            "base_lr_at_256": run["baseLearningRate"],
            "peak_lr": max((m["learningRate"] for m in metrics if m.get("learningRate") is not None), default=""),
            "steps": steps,
            "sequences": sequences,
            "epochs": round(positions / (n_train * LENGTH), 3),
            "status": summary.get("status", "exit %s" % run.get("exitCode")),
            "heldout_loss": summary.get("testLoss", ""),
            "heldout_accuracy": summary.get("testAccuracy", ""),
            "heldout_perplexity": summary.get("testPerplexity", ""),
            "train_loss_last10": round(statistics.mean(last10), 4) if last10 else "",
            "train_seconds": round(summary["seconds"], 1) if "seconds" in summary else "",
            "wall_seconds": run.get("wallSeconds", ""),
            "median_tokens_per_second": round(statistics.median(tps)) if tps else "",
            "load_at_start": run.get("loadAverageAtStart", ""),
            "heldout_seq32_loss": "",
            "heldout_seq32_accuracy": "",
            "commit": run.get("commit", ""),
        }
        if seq32:
            row["heldout_seq32_loss"] = seq32.get("loss", "")
            row["heldout_seq32_accuracy"] = seq32.get("maskedTokenAccuracy", "")
        rows.append(row)
        for m in metrics:
            if m.get("testLoss") is not None:
                curves.append({"name": name, "optimizer": run["optimizer"], "global_batch": batch,
                               "step": m["step"], "stage": m.get("stage", 0),
                               "epochs": round(m["step"] * batch / n_train, 4),
                               "heldout_loss": m["testLoss"], "heldout_accuracy": m["testAccuracy"]})
    stages_fix(rows, curves, results, n_train)
    for fname, data in (("runs.csv", rows), ("curves.csv", curves)):
        if not data:
            continue
        with open(os.path.join(results, fname), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(data[0].keys()))
            w.writeheader()
            w.writerows(data)
    print("| run | optimizer | global batch | base lr (at 256) | peak lr | steps | epochs | held-out MLM loss | "
          "held-out masked acc | perplexity | train loss (last 10 steps) | training s | wall s | median tokens/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        def f(v, fmt):
            return fmt % v if v != "" else "-"
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], r["optimizer"], r["global_batch"], r["base_lr_at_256"], f(r["peak_lr"], "%.5g"),
            r["steps"], r["epochs"], f(r["heldout_loss"], "%.4f"),
            f(r["heldout_accuracy"] if r["heldout_accuracy"] == "" else 100 * r["heldout_accuracy"], "%.2f%%"),
            f(r["heldout_perplexity"], "%.1f"), f(r["train_loss_last10"], "%.4f"), f(r["train_seconds"], "%.0f"),
            f(r["wall_seconds"], "%.0f"), r["median_tokens_per_second"] or "-"))


def stages_fix(rows, curves, results, n_train):
    """Epochs of a staged run's evaluations: sequences used up to that step over the stages' batches."""
    for r in rows:
        s = load(os.path.join(results, r["name"], "summary.json")) or {}
        stages = s.get("stages")
        if not stages:
            continue
        for c in curves:
            if c["name"] != r["name"]:
                continue
            used, left = 0, c["step"]
            for st in stages:
                k = min(left, st["steps"])
                used += k * st["globalBatch"] * st["sequenceLength"]
                left -= k
            c["epochs"] = round(used / (n_train * LENGTH), 4)


if __name__ == "__main__":
    main()
