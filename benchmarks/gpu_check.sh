#!/usr/bin/env bash
# benchmarks/gpu_check.sh: run every CUDA path of `visrec train` once, in under 5 minutes on one NVIDIA GPU.
#
#   benchmarks/gpu_check.sh                  # on a CUDA machine; on a CPU-only machine it says so and exits 0
#   benchmarks/gpu_check.sh --cpu-rehearsal  # the same commands on the CPU, tiny (checks the script itself)
#
# Checks, each a real `visrec train` run (its run directory under $GPU_CHECK_OUT, default a temporary folder):
#   amp            fp16 autocast with a GradScaler (--amp on CUDA)
#   loader         DataLoader with 2 worker processes and pin_memory (--workers 2, "loader": "dataloader")
#   channels_last  NHWC memory format with --amp
#   compile        torch.compile of the model (--compile; inductor/triton on CUDA)
#   ddp            DistributedDataParallel with nccl under torchrun, one process per GPU (when > 1 GPU)
#   recipe         the 10-minute CIFAR recipe (configs/cifar10-10min.json) for a short budget: its images/s
# Data: ../shared/data/cifar10-jpeg/train when present (a --limit subset), else the bundled digits.
# Prints one table (check, result, seconds, val_acc, images/s of the last epoch); exits 1 when a check failed.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PYTHON:-python}
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
REHEARSAL=0
[ "${1:-}" = "--cpu-rehearsal" ] && REHEARSAL=1

ngpu=$("$PY" -c "import torch; print(torch.cuda.device_count() if torch.cuda.is_available() else 0)" 2>/dev/null)
if [ -z "$ngpu" ]; then
  echo "gpu_check: torch cannot be imported by $PY; nothing to check." >&2
  exit 1
fi
if [ "$ngpu" = 0 ] && [ "$REHEARSAL" = 0 ]; then
  echo "gpu_check: no CUDA GPU on this machine (torch.cuda.is_available() is False): skipping the GPU checks."
  echo "gpu_check: run it on a machine with an NVIDIA GPU, or pass --cpu-rehearsal to try the commands on the CPU."
  exit 0
fi

OUT=${GPU_CHECK_OUT:-$(mktemp -d -t visrec-gpu-check-XXXXXX)}
mkdir -p "$OUT"
CIFAR="$ROOT/../shared/data/cifar10-jpeg/train"
if [ "$REHEARSAL" = 1 ]; then
  DEVICE=cpu; DATA=digits; LIMIT=600; EPOCHS=1; BATCH=64; MODEL=tiny_cnn; STEP_LIMIT=240
  NPROC=2; RECIPE_MINUTES=0.2; RECIPE_ARGS=(--limit 600 --val-size 200)
elif [ -d "$CIFAR" ]; then
  DEVICE=cuda; DATA=$CIFAR; LIMIT=10000; EPOCHS=2; BATCH=256; MODEL=resnet20; STEP_LIMIT=150
  NPROC=$ngpu; RECIPE_MINUTES=1; RECIPE_ARGS=(--limit 25000 --val-size 5000)
else
  DEVICE=cuda; DATA=digits; LIMIT=""; EPOCHS=3; BATCH=128; MODEL=tiny_cnn; STEP_LIMIT=150
  NPROC=$ngpu; RECIPE_MINUTES=0.5; RECIPE_ARGS=(--val-size 300)
fi
LIMIT_ARGS=()
[ -n "$LIMIT" ] && LIMIT_ARGS=(--limit "$LIMIT")

echo "gpu_check: $(date -u +%Y-%m-%dT%H:%M:%SZ)  host $(hostname)  load $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - <<'EOF'
import torch
print(f"gpu_check: torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}")
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"gpu_check: cuda:{i} {p.name}, {p.total_memory / 2**30:.0f} GiB, capability {p.major}.{p.minor}")
EOF
echo "gpu_check: device $DEVICE, data $DATA ${LIMIT:+(--limit $LIMIT)}, model $MODEL, runs in $OUT"
echo '{"loader": "dataloader"}' > "$OUT/loader.json"

RESULTS=()
FAILED=0

# run_check NAME LAUNCHER... -- TRAIN_ARGS...: one `visrec train`, then its row of the table
run_check() {
  local name=$1; shift
  local launcher=()
  while [ "$1" != "--" ]; do launcher+=("$1"); shift; done
  shift
  local run="$OUT/$name" t0 rc
  t0=$(date +%s.%N)
  echo "--- $name: ${launcher[*]} -m visrec.cli.main train $* --out $run"
  timeout "$STEP_LIMIT" "${launcher[@]}" -m visrec.cli.main train "$@" --device "$DEVICE" --out "$run" \
    --overwrite --no-progress > "$OUT/$name.log" 2>&1
  rc=$?
  local secs
  secs=$("$PY" -c "import time; print(f'{time.time() - $t0:.0f}')")
  local row
  row=$("$PY" - "$run" "$rc" <<'EOF'
import json, math, sys
from pathlib import Path
run, rc = Path(sys.argv[1]), int(sys.argv[2])
try:
    metrics = json.loads((run / "metrics.json").read_text())
    hist = [json.loads(line) for line in (run / "history.jsonl").read_text().splitlines() if line.strip()]
except (OSError, ValueError):
    print(f"FAILED (exit {rc}, no metrics.json)\t-\t-"); sys.exit()
last = hist[-1] if hist else {}
ok = rc == 0 and math.isfinite(last.get("train_loss", float("nan")))
val = metrics.get("best_val_acc")
print(f"{'ok' if ok else f'FAILED (exit {rc})'}\t{val if val is None else f'{val:.4f}'}\t"
      f"{last.get('images_per_s', float('nan')):.0f}")
EOF
)
  case $row in ok*) ;; *) FAILED=1; echo "    log: $OUT/$name.log"; tail -n 15 "$OUT/$name.log" ;; esac
  RESULTS+=("$name	${row%%	*}	$secs	$(echo "$row" | cut -f2-)")
}

COMMON=(--data "$DATA" "${LIMIT_ARGS[@]}" --epochs "$EPOCHS" --batch-size "$BATCH" --model "$MODEL" --lr 0.05)
run_check amp "$PY" -- "${COMMON[@]}" --amp
run_check loader "$PY" -- "${COMMON[@]}" --config "$OUT/loader.json" --workers 2
run_check channels_last "$PY" -- "${COMMON[@]}" --channels-last --amp
run_check compile "$PY" -- "${COMMON[@]}" --compile --amp
if [ "$NPROC" -gt 1 ]; then
  run_check ddp "$PY" -m torch.distributed.run --standalone --nproc-per-node "$NPROC" -- "${COMMON[@]}" --amp
else
  RESULTS+=("ddp	skipped (one GPU: DDP needs two)	-	-	-")
fi
if [ -f configs/cifar10-10min.json ]; then
  run_check recipe "$PY" -- --config configs/cifar10-10min.json --data "$DATA" "${RECIPE_ARGS[@]}" \
    --max-minutes "$RECIPE_MINUTES" --amp --channels-last
else
  RESULTS+=("recipe	skipped (no configs/cifar10-10min.json)	-	-	-")
fi

echo
printf '%-14s %-34s %8s %8s %10s\n' check result seconds val_acc images/s
for r in "${RESULTS[@]}"; do
  IFS=$'\t' read -r c res s v ips <<< "$r"
  printf '%-14s %-34s %8s %8s %10s\n' "$c" "$res" "$s" "$v" "$ips"
done
echo "gpu_check: run directories and logs in $OUT"
exit $FAILED
