#!/usr/bin/env bash
# Behaviour cloning at GPU sample budgets: four runs of configs/gpu.toml sharing one GPU
# (a step of these small models is bound by kernel launches, so runs side by side cost
# each other little), in one of two sets:
#   scripts/gpu_scaling.sh OUT [TRAIN_SECONDS] [demos|lanes128]
# demos (default; 400 s, cosine over 3,000 steps of 64 lanes x 16 steps):
#   demos2500 / demos10000 / demos40000: the first 2,500 / 10,000 / all 40,000 sampled
#   demonstrations (nested); cells40000: all of them with the cell-recognition auxiliary
#   (model.cells, optim.cell_weight = 1).
# lanes128 (320 s, cosine over 2,200 steps of 128 lanes x 16 steps), all 40,000
#   demonstrations unless named: plain_l128 (no auxiliary), cells_l128, cells10000_l128
#   (the first 10,000), cells_c128_l128 (C = 128, 2 text and 2 fusion layers, lr 1e-3).
# Same seed otherwise; the final evaluation (100 val_unseen episodes, sampled actions) is
# in each run's log. Score the returned models with
#   vln benchmark --suite small --split val_unseen --policy runs/<set>/<run>/last
# Logs go to OUT/log.txt; the run folders (models included, optimiser checkpoints left
# out) to OUT/runs.tar.gz. Needs runs/demos/small-train-sampled40000-seed0-*.npz (made by
# `vln train demos --suite small --split train --teacher T --sampled 40000` otherwise).
set -u
OUT=${1:?usage: scripts/gpu_scaling.sh OUT [TRAIN_SECONDS] [demos|lanes128]}
SET=${3:-demos}
DEVICE=${DEVICE:-cuda}  # DEVICE=cpu runs the same plumbing on a machine without a GPU
cells="--set model.cells={} --set optim.cell_weight=1.0"
declare -A extra
case "$SET" in
  demos)
    TRAIN_S=${2:-400}; MAX_STEPS=${MAX_STEPS:-3000}; LANES=64; RUNS=runs/gpus
    extra=([demos2500]="--set data.max_episodes=2500"
           [demos10000]="--set data.max_episodes=10000"
           [demos40000]="" [cells40000]="$cells") ;;
  lanes128)
    TRAIN_S=${2:-320}; MAX_STEPS=${MAX_STEPS:-2200}; LANES=128; RUNS=runs/gpus2
    extra=([plain_l128]="" [cells_l128]="$cells"
           [cells10000_l128]="$cells --set data.max_episodes=10000"
           [cells_c128_l128]="$cells --set model.n_embd=128 --set model.n_text_layer=2
                              --set model.n_fusion_layer=2 --set optim.lr=1e-3") ;;
  *) echo "unknown set $SET (demos or lanes128)"; exit 2 ;;
esac
mkdir -p "$OUT" "$RUNS"
LOG="$OUT/log.txt"
export PYTHONUNBUFFERED=1
step() { echo "=== $(date +%T) $*" | tee -a "$LOG"; }

step "machine"
{ nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null; nproc;
  python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"; } 2>&1 | tee -a "$LOG"
python3 -c "import vlnenv, agents.train, agents.cli" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || { step "import failed: stopping"; exit 1; }

step "set $SET: four bc runs sharing the device, ${TRAIN_S} s each, ${MAX_STEPS} steps of ${LANES} lanes"
common=(--config configs/gpu.toml --device "$DEVICE" --set run.time_budget_s="$TRAIN_S"
        --set optim.max_steps="$MAX_STEPS" --set data.lanes="$LANES" --set eval.every=0
        --set data.loader_workers=3 --set run.threads=2 --set run.progress_bar=false)
for run in "${!extra[@]}"; do
  # shellcheck disable=SC2086
  timeout $((TRAIN_S + 150)) python3 -m agents.train bc "${common[@]}" ${extra[$run]} \
    --out "$RUNS/$run" > "$OUT/$run.txt" 2>&1 &
done
(command -v nvidia-smi > /dev/null && nvidia-smi dmon -s u -c 8 -d 40 >> "$LOG" 2>&1) &
wait
for run in "${!extra[@]}"; do
  echo "--- $run"; tail -n 4 "$OUT/$run.txt"; grep -v '^$' "$RUNS/$run/log.csv" | tail -n 2
done 2>&1 | tee -a "$LOG"
tar -czf "$OUT/runs.tar.gz" --exclude='last.pt' --exclude='best.pt' "$RUNS" 2>&1 | tee -a "$LOG"
step "done"
