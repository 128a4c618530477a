#!/usr/bin/env bash
# The cuda path of vlnenv's trainers, checked and timed on one GPU in about 8 minutes:
#   scripts/gpu_check.sh OUT [TRAIN_SECONDS]
# 1. the cuda tests (tests/agents/train/test_cuda.py, skipped elsewhere) and the device
#    tests; 2. `torchrun` with one process on cuda (the nccl backend); 3. model throughput
#    on cuda (bf16 autocast) and on the CPU side by side (benchmarks/model_throughput.py);
#    4. loader throughput with 0..12 rendering processes (benchmarks/loader_throughput.py);
#    5. two behaviour-cloning runs sharing the GPU for TRAIN_SECONDS (default 200):
#    configs/gpu.toml (the quickstart's model) and the same with a larger model.
# Everything is logged to OUT/log.txt; the runs' folders (without optimiser checkpoints)
# are packed into OUT/runs.tar.gz.
set -u
OUT=${1:?usage: scripts/gpu_check.sh OUT [TRAIN_SECONDS]}
TRAIN_S=${2:-200}
DEVICE=${DEVICE:-cuda}  # DEVICE=cpu runs the same plumbing on a machine without a GPU
mkdir -p "$OUT"
LOG="$OUT/log.txt"
export PYTHONUNBUFFERED=1
step() { echo "=== $(date +%T) $*" | tee -a "$LOG"; }

step "machine"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc;
  python3 -c "import torch, numpy, gymnasium; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available(), torch.cuda.is_available() and torch.cuda.get_device_name(0)); print('numpy', numpy.__version__, 'gymnasium', gymnasium.__version__)"; } 2>&1 | tee -a "$LOG"
python3 -c "import vlnenv, agents.train, agents.cli" 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || { step "import failed: stopping"; exit 1; }

step "cuda tests"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/agents/train/test_cuda.py \
  tests/agents/models/test_device.py 2>&1 | tail -15 | tee -a "$LOG"

step "torchrun, one process on cuda (nccl)"
timeout 90 torchrun --standalone --nproc_per_node=1 -m agents.train bc --device "$DEVICE" \
  --out /tmp/ddp1 --set data.suite=tiny --set optim.max_steps=30 --set eval.every=0 \
  --set eval.episodes=5 --set run.progress_bar=false --set data.demos_dir=/tmp/demos \
  2>&1 | tail -6 | tee -a "$LOG"
python3 -c "import json; r=json.load(open('/tmp/ddp1/result.json')); print('ddp result:', r['steps'], 'steps,', r.get('samples'), 'samples')" 2>&1 | tee -a "$LOG"

step "model throughput, cuda then cpu"
timeout 60 python3 benchmarks/model_throughput.py --device "$DEVICE" --seconds 4 2>&1 | tee -a "$LOG"
timeout 60 python3 benchmarks/model_throughput.py --device cpu --seconds 4 2>&1 | tee -a "$LOG"

step "loader throughput"
timeout 90 python3 benchmarks/loader_throughput.py --workers 0,2,6,12 --seconds 6 2>&1 | tee -a "$LOG"

step "two bc runs sharing the gpu, ${TRAIN_S} s each"
common=(--set run.time_budget_s="$TRAIN_S" --set run.progress_bar=false --device "$DEVICE")
timeout $((TRAIN_S + 150)) python3 -m agents.train bc --config configs/gpu.toml \
  --out runs/gpu_small "${common[@]}" > "$OUT/gpu_small.txt" 2>&1 &
timeout $((TRAIN_S + 150)) python3 -m agents.train bc --config configs/gpu.toml \
  --out runs/gpu_large "${common[@]}" --set model.n_embd=128 --set model.n_text_layer=2 \
  --set model.n_vision_layer=1 --set model.n_fusion_layer=2 --set optim.lr=1e-3 \
  > "$OUT/gpu_large.txt" 2>&1 &
nvidia-smi dmon -s u -c 6 -d 20 >> "$LOG" 2>&1 &
wait
for run in gpu_small gpu_large; do
  tail -n 5 "$OUT/$run.txt"; grep -v '^$' "runs/$run/log.csv" | tail -n 3
done 2>&1 | tee -a "$LOG"
tar -czf "$OUT/runs.tar.gz" --exclude='runs/gpu_*/last.pt' --exclude='runs/gpu_*/best.pt' \
  runs/gpu_small runs/gpu_large 2>&1 | tee -a "$LOG"
step "done"
