#!/usr/bin/env bash
# Credentials never leave the environment (issue 33, item 6): a sweep whose
# trials run under cohortrun and whose best trial is registered in a real
# Azurite, once with the account key and once with an account SAS in the
# environment. While it runs, no command line on the machine holds the
# secret; afterwards no file cohort wrote does: the sweep folder (sweep.db
# read raw and dumped by sqlite3, the driver log, every trial's logs, outputs,
# run.json and trial.json), and everything stored in Azurite (the registry's
# records and lineage, read from Azurite's own folder), nor what the tools
# printed.
#   check_sweep_secrets.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../../.." && pwd)
sweep=$build/bin/cohort-sweep
model=$build/bin/cohort-model
toy=$root/tests/sweep/driver/toy_trial.py
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_sweep_secrets.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do stop_pid "$p"; done; rm -rf "$work"' EXIT
fail() { echo "check_sweep_secrets: FAILED: $*"; exit 1; }
source "$root/tests/common/servers.sh"
start_azurite azurite
cd "$work"

# An account SAS (version 2019-12-12) for blobs, signed with Azurite's key.
sas=$(/usr/bin/python3 - "$azurite_key" <<'PY'
import base64, hashlib, hmac, sys, urllib.parse
key = base64.b64decode(sys.argv[1])
sv, ss, srt, sp, se = "2019-12-12", "b", "sco", "racwdl", "2099-01-01T00:00:00Z"
to_sign = "\n".join(["devstoreaccount1", sp, ss, srt, "", se, "", "", sv, ""])
sig = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
q = urllib.parse.quote
print(f"sv={sv}&ss={ss}&srt={srt}&sp={sp}&se={q(se, safe='')}&sig={q(sig, safe='')}")
PY
)
sig=${sas##*sig=}
sig_decoded=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$sig")

# sweep_with NAME VARIABLE VALUE SECRET: the sweep with VARIABLE=VALUE in the
# environment; SECRET (what must appear nowhere) is read by grep from a file,
# so that grep's own command line does not hold it.
sweep_with() {
  local name=$1 variable=$2 value=$3
  printf '%s\n' "$4" >"$work/$name.secret"
  cat >"$name.yaml" <<YAML
program: /usr/bin/python3
args: [$toy, --x, "\${x}", --steps, "3", --sleep, "0.3"]
metric: {name: score, goal: maximize}
space:
  x: {type: uniform, low: 0, high: 1}
sampler: {type: random, seed: 1}
limits: {max_trials: 2, max_concurrent: 2}
registry: {name: toy-$name, url: $azurite_endpoint/models/registry}
YAML
  env -u COHORT_AZURE_ACCOUNT_KEY -u COHORT_AZURE_SAS_TOKEN "$variable=$value" \
    timeout -k 5 120 "$sweep" run "$name.yaml" --dir "$name" >"$name.out" 2>&1 &
  local driver=$! seen=0
  while kill -0 "$driver" 2>/dev/null; do
    for cmdline in /proc/[0-9]*/cmdline; do
      if { tr '\0' ' ' <"$cmdline"; } 2>/dev/null | grep -qF -f "$work/$name.secret"; then
        fail "$name: a secret is on a command line: $(tr '\0' ' ' <"$cmdline")"
      fi
    done
    pgrep -f "$toy" >/dev/null && seen=1
    sleep 0.1
  done
  wait "$driver" || fail "$name: cohort-sweep exited $?: $(tail -n 20 "$name.out")"
  [ "$seen" = 1 ] || fail "$name: no trial was seen running"
  env "$variable=$value" "$model" --registry "$azurite_endpoint/models/registry" \
    lineage "toy-$name:1" --json >"$name.lineage.json" || fail "$name: nothing registered"
  grep -q '"trial"' "$name.lineage.json" || fail "$name: the lineage names no trial"
  sqlite3 "$name/sweep.db" .dump >"$name.dump.sql"
  [ -s "$name.dump.sql" ] || fail "$name: sweep.db dumped nothing"
  if grep -rlF -f "$work/$name.secret" "$name" "$name.out" "$name.lineage.json" "$name.dump.sql" \
    "$work/azurite"; then
    fail "$name: a secret is in a file cohort wrote (above)"
  fi
  echo "$name: $(ls "$name/trials" | wc -l) trials, registered; the secret is in no file and on no command line"
}

# Azurite rejects a request signed with a wrong key, so each secret is the one in use.
sweep_with key COHORT_AZURE_ACCOUNT_KEY "$azurite_key" "$azurite_key"
sweep_with sas COHORT_AZURE_SAS_TOKEN "$sas" "$sig"$'\n'"$sig_decoded"
echo "check_sweep_secrets: passed"
