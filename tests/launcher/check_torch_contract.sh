#!/usr/bin/env bash
# A PyTorch DDP script written for torchrun (init_process_group("gloo") with
# the env:// rendezvous) runs unchanged under cohortrun at 2 ranks on this
# machine: cohortrun sets RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
# MASTER_ADDR and MASTER_PORT, and the script's DDP step matches a single
# process. A second run shows that --env MASTER_PORT=... is honoured.
#   check_torch_contract.sh BUILD_DIR
set -euo pipefail
build="$(cd "$1" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cohortrun="$build/bin/cohortrun"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check_torch_contract: FAILED: $*"; exit 1; }

"$cohortrun" --procs-per-node 2 --outputs "$work/a/outputs" --logs "$work/a/logs" -- \
  /usr/bin/python3 "$here/torch_ddp.py" >"$work/a.out" 2>&1 || fail "the script failed: $(tail -n 30 "$work/a.out")"
for r in 0 1; do
  grep -q "rank $r of 2 (local $r): torch DDP step ok via 127.0.0.1:[0-9]" "$work/a.out" "$work/a/logs/rank-$r.log" ||
    fail "rank $r did not report: $(tail -n 20 "$work/a.out")"
done
echo "2 ranks on this machine: the DDP step matches a single process"

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$cohortrun" --procs-per-node 2 --env "MASTER_PORT=$port" --outputs "$work/b/outputs" --logs "$work/b/logs" -- \
  /usr/bin/python3 "$here/torch_ddp.py" >"$work/b.out" 2>&1 || fail "the run with --env MASTER_PORT failed: $(tail -n 30 "$work/b.out")"
grep -q "torch DDP step ok via 127.0.0.1:$port" "$work/b/logs/rank-0.log" "$work/b.out" ||
  fail "--env MASTER_PORT=$port was not used: $(grep -h 'step ok' "$work/b.out" "$work/b/logs/rank-0.log" | head -2)"
echo "--env MASTER_PORT=$port: used"
echo "check_torch_contract: passed"
