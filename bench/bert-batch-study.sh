#!/usr/bin/env bash
# The BERT batch-size study of issue #15 ("Quality"): masked-language-model pretraining of a small bert-mini with LAMB
# and AdamW at global batches 256, 1K and 4K sequences for the same number of sequences (the same token budget, about
# 3 epochs), learning rate sqrt-scaled from a grid at 256, and two-stage vs one-stage training at 4K.
# Configuration template: conf/bert-study.conf; results: docs/results.md, "BERT batch-size study".
#
#   bench/bert-batch-study.sh import          the State of the Union corpus -> data/sotu/text-v512 (vocabulary 512, L 16,32)
#   bench/bert-batch-study.sh grid            learning-rate grid at 256 (1/8 of the budget: 400 steps), both optimizers
#   bench/bert-batch-study.sh main            LAMB and AdamW at 256, 4K, 1K (full budget), rate from the grid
#   bench/bert-batch-study.sh two-stage       two-stage LAMB at 4K (+ held-out evaluation of both 4K LAMB models on L=32)
#   bench/bert-batch-study.sh all             import, grid, main, two-stage, collect
#   bench/bert-batch-study.sh tries           diagnostics after the study (see tries() below), as time allows
#   bench/bert-batch-study.sh collect         bench/results/bert-study/{runs.csv,curves.csv} and docs/plots/bert-study-*.png
#
# Each run writes to runs/bert-study/NAME (git-ignored); its summary.json, the console log and a trimmed metrics file
# (metrics-trimmed.jsonl: per-step loss, rate, timing, held-out values) are copied to bench/results/bert-study/NAME.
# A run whose summary.json says "succeeded" is skipped, so the same command resumes. STUDY_UNTIL=HH:MM (UTC): start no
# run after that time (the runs not started are printed as "not started"). Runs one at a time, local[2], 2 partitions,
# one OpenMP thread per task. Needs the distribution: mvn -B -ntp -q -DskipTests package.
# Background use: nohup bench/bert-batch-study.sh all > runs/bert-study.log 2>&1 &   then: grep '^STUDY' runs/bert-study.log
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
data=data/sotu/text-v512
runs=runs/bert-study
results=bench/results/bert-study
conf=conf/bert-study.conf
# The token budget: 200 steps at 4,096 sequences = 819,200 sequences (of 16 ids) for every batch size.
budget=819200
grid_steps=400                      # the grid's runs: 400 steps at 256 = 1/8 of the budget
lamb_grid="0.0025 0.005 0.01"
adamw_grid="0.0005 0.001 0.002"
export OMP_NUM_THREADS=1

log() { echo "STUDY $(date -u +%H:%M:%S) $*"; }

too_late() {
  [ -n "${STUDY_UNTIL:-}" ] || return 1
  [ "$(date -u +%H:%M)" \> "$STUDY_UNTIL" ]
}

succeeded() { [ -f "$runs/$1/summary.json" ] && grep -q '"status" : "succeeded"' "$runs/$1/summary.json"; }

# run NAME OPTIMIZER BATCH BASE_LR STEPS EVAL_EVERY [--set KEY=VALUE ...]
run() {
  local name="$1" opt="$2" batch="$3" lr="$4" steps="$5" every="$6"; shift 6
  if succeeded "$name"; then log "$name: done before, skipped"; return 0; fi
  if too_late; then log "$name: not started (STUDY_UNTIL=$STUDY_UNTIL)"; return 0; fi
  local micro=$(( batch / 2 < 512 ? batch / 2 : 512 ))
  rm -rf "${runs:?}/$name"; mkdir -p "$runs/$name" "$results/$name"
  local load; load="$(cut -d' ' -f1-3 /proc/loadavg)"
  log "$name: start ($opt, batch $batch, base lr $lr at 256, $steps steps, load $load)"
  local t0 t1 rc=0; t0=$(date +%s.%N)
  bin/spark-lamb train -c "$conf" -o "$runs/$name" \
    --set spark-lamb.optimizer.name="$opt" --set spark-lamb.optimizer.learning-rate.base="$lr" \
    --set spark-lamb.training.global-batch="$batch" --set spark-lamb.training.micro-batch="$micro" \
    --set spark-lamb.training.max-steps="$steps" --set spark-lamb.training.eval-every-steps="$every" \
    "$@" > "$runs/$name.log" 2>&1 || rc=$?
  t1=$(date +%s.%N)
  cp "$runs/$name.log" "$results/$name/console.log"
  python3 - "$name" "$opt" "$batch" "$lr" "$steps" "$(echo "$t1 - $t0" | bc)" "$load" "$rc" "$(git rev-parse --short HEAD)" \
    bin/spark-lamb train -c "$conf" -o "$runs/$name" \
    --set spark-lamb.optimizer.name="$opt" --set spark-lamb.optimizer.learning-rate.base="$lr" \
    --set spark-lamb.training.global-batch="$batch" --set spark-lamb.training.micro-batch="$micro" \
    --set spark-lamb.training.max-steps="$steps" --set spark-lamb.training.eval-every-steps="$every" "$@" \
    > "$results/$name/run.json" <<'EOF'
import json, shlex, sys
a = sys.argv[1:]
print(json.dumps({"name": a[0], "optimizer": a[1], "globalBatch": int(a[2]), "baseLearningRate": float(a[3]),
                  "steps": int(a[4]), "wallSeconds": round(float(a[5]), 1), "loadAverageAtStart": a[6],
                  "exitCode": int(a[7]), "commit": a[8], "command": "OMP_NUM_THREADS=1 " + shlex.join(a[9:])}))
EOF
  if [ -f "$runs/$name/summary.json" ]; then cp "$runs/$name/summary.json" "$results/$name/"; fi
  if [ -f "$runs/$name/metrics.jsonl" ]; then
    python3 - "$runs/$name/metrics.jsonl" "$results/$name/metrics-trimmed.jsonl" <<'EOF'
import json, sys
keys = ["step", "stage", "epoch", "loss", "learningRate", "tokensPerSecond", "stepMillis", "computeMillis",
        "maskedTokens", "testAccuracy", "testLoss", "testPerplexity", "skipped"]
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        d = json.loads(line)
        out.write(json.dumps({k: d[k] for k in keys if k in d}) + "\n")
EOF
  fi
  log "$name: exit $rc, $(python3 -c "
import json,sys
try:
  s=json.load(open('$runs/$name/summary.json')); print('held-out loss %.4f, accuracy %.2f%%, %d steps, %.0f s' % (s['testLoss'], 100*s['testAccuracy'], s['steps'], s['seconds']))
except Exception as e: print('no summary')")"
}

# best_lr PREFIX: the grid point with the lowest final held-out loss (ties: the smaller rate)
best_lr() {
  python3 - "$runs" "$1" <<'EOF'
import json, os, sys, glob
runs, prefix = sys.argv[1], sys.argv[2]
best = None
for d in sorted(glob.glob(os.path.join(runs, prefix + "*"))):
    p = os.path.join(d, "summary.json")
    if not os.path.isfile(p):
        continue
    s = json.load(open(p))
    if s.get("status") != "succeeded" or s.get("testLoss") is None:
        continue
    lr = float(d.rsplit("-lr", 1)[1])
    key = (s["testLoss"], lr)
    if best is None or key < best[0]:
        best = (key, lr)
if best is None:
    sys.exit("no finished grid run " + prefix)
print(repr(best[1]))
EOF
}

grid() {
  local opt lr
  for lr in $lamb_grid; do run "grid-lamb-b256-lr$lr" lamb 256 "$lr" $grid_steps 0; done
  for lr in $adamw_grid; do run "grid-adamw-b256-lr$lr" adamw 256 "$lr" $grid_steps 0; done
  # One extension per optimizer when the best rate is at an end of the grid (decided by the numbers, once).
  for opt in lamb adamw; do
    local g; [ $opt = lamb ] && g="$lamb_grid" || g="$adamw_grid"
    local lo hi best; lo=$(echo $g | awk '{print $1}'); hi=$(echo $g | awk '{print $NF}'); best=$(best_lr "grid-$opt-b256-lr")
    if python3 -c "import sys; sys.exit(0 if abs($best-$hi)<1e-12 else 1)"; then
      run "grid-$opt-b256-lr$(python3 -c "print(repr($hi*2))")" $opt 256 "$(python3 -c "print(repr($hi*2))")" $grid_steps 0
    elif python3 -c "import sys; sys.exit(0 if abs($best-$lo)<1e-12 else 1)"; then
      run "grid-$opt-b256-lr$(python3 -c "print(repr($lo/2))")" $opt 256 "$(python3 -c "print(repr($lo/2))")" $grid_steps 0
    fi
  done
}

main_runs() {
  local lamb_lr adamw_lr
  lamb_lr=$(best_lr grid-lamb-b256-lr); adamw_lr=$(best_lr grid-adamw-b256-lr)
  log "grid choice: lamb $lamb_lr, adamw $adamw_lr"
  # Priority order: the target's three runs first, then AdamW 256, then 1K.
  local spec opt b steps
  for spec in lamb:256 lamb:4096 adamw:4096 adamw:256 lamb:1024 adamw:1024; do
    opt=${spec%%:*}; b=${spec#*:}; steps=$(( budget / b ))
    local lr; [ $opt = lamb ] && lr=$lamb_lr || lr=$adamw_lr
    run "$opt-b$b" $opt $b "$lr" $steps $(( steps / 4 ))
  done
}

two_stage() {
  local lamb_lr; lamb_lr=$(best_lr grid-lamb-b256-lr)
  # Same budget in token positions: 180 steps of 4,096 x 16, then 20 steps of 2,048 x 32 (the same 65,536 positions
  # per step), the second stage with its own warmup (10%) and decay; its peak is sqrt-scaled for 2,048.
  run lamb-b4096-two-stage lamb 4096 "$lamb_lr" 180 45 \
    --set 'spark-lamb.training.next-stages=[{train = "'$data'/seq-32/train", test = "'$data'/seq-32/heldout", sequence-length = 32, global-batch = 2048, micro-batch = 512, steps = 20}]'
  # Both 4K LAMB models on the length-32 held-out data (the one-stage model never saw positions 16-31).
  local m
  for m in lamb-b4096 lamb-b4096-two-stage; do
    if [ -f "$runs/$m/model.zip" ] && [ ! -f "$results/$m/heldout-seq32.json" ] && ! too_late; then
      log "$m: evaluate on $data/seq-32/heldout"
      bin/spark-lamb evaluate -c "$conf" --model "$runs/$m/model.zip" --data "$data/seq-32/heldout" \
        --set spark-lamb.data.tokens.sequence-length=32 --report "$results/$m/heldout-seq32.json" > "$runs/$m.eval32.log" 2>&1 \
        || log "$m: evaluate failed, see $runs/$m.eval32.log"
    fi
  done
}

# Diagnostics after the study, not part of its comparison (names start with "try-"; the grid choice above never
# reads them): the grid grown once more at its end, LAMB at 4K with half the grid's rate, and LAMB at 4K with twice
# the steps (twice the budget).
tries() {
  local lamb_lr adamw_lr
  lamb_lr=$(best_lr grid-lamb-b256-lr); adamw_lr=$(best_lr grid-adamw-b256-lr)
  run "try-grid-lamb-b256-lr$(python3 -c "print(repr($lamb_lr*2))")" lamb 256 "$(python3 -c "print(repr($lamb_lr*2))")" $grid_steps 0
  run "try-grid-adamw-b256-lr$(python3 -c "print(repr($adamw_lr*2))")" adamw 256 "$(python3 -c "print(repr($adamw_lr*2))")" $grid_steps 0
  run try-lamb-b4096-half-lr lamb 4096 "$(python3 -c "print(repr($lamb_lr/2))")" 200 50
  run try-lamb-b4096-2x-steps lamb 4096 "$lamb_lr" 400 100 --set spark-lamb.training.epochs=7
}

import() {
  if [ -f "$data/text-import.json" ]; then log "import: $data exists"; return 0; fi
  submit/fetch-data.sh sotu-raw >/dev/null
  bin/spark-lamb import-text --input data/sotu/raw --output "$data" --vocab-size 512 --sequence-length 16,32 \
    --heldout-fraction 0.05 --seed 1 --master 'local[2]'
}

collect() {
  local n; n=$(python3 -c "import json; print(json.load(open('$data/text-import.json'))['outputs'][0]['sequences'])")
  python3 bench/bert_study_collect.py "$results" "$n"
  # XChart from the build's Maven repository, as the image sweep's plots (SweepPlots)
  java -Djava.awt.headless=true -cp "$(find ~/.m2/repository/org/knowm/xchart/xchart -name 'xchart-*.jar' | head -1)" \
    bench/BertStudyPlots.java "$results" docs/plots
}

mkdir -p "$runs" "$results"
case "${1:-}" in
  import) import ;;
  grid) grid ;;
  main) main_runs ;;
  two-stage) two_stage ;;
  tries) tries ;;
  collect) collect ;;
  all) import; grid; main_runs; two_stage; collect ;;
  *) echo "usage: bench/bert-batch-study.sh import|grid|main|two-stage|tries|collect|all" >&2; exit 2 ;;
esac
log "finished: $*"
