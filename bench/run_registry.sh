#!/usr/bin/env bash
# The registry's register and download of a 1 GiB model beside the plain
# tools moving the same bytes, in the same run, alternating round by round:
#   a folder:  cohort-model register / download   beside  cp   (and cp + fsync)
#   Azurite:   cohort-model register / download   beside  curl (one Put Blob / Get Blob)
# cohort-model also hashes every byte (sha256 and xxh128 on register, xxh128
# on download) and, on a folder, fsyncs the copy before it commits the
# version; the peers do neither (cp + fsync shows what the flush alone
# costs). Each timed step starts after a sync, so that none pays for the
# writeback of the one before and with memory just touched and freed (as
# bench/README.md explains), and the peer goes first in odd rounds, cohort
# in even ones. Ratios are peer time / cohort time (above 1: cohort is
# faster), medians over the rounds.
#   bench/run_registry.sh [BUILD_DIR] [ROUNDS] [MiB]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
rounds="${2:-3}"
mib="${3:-1024}"
model="$build/bin/cohort-model"
[ -x "$model" ] || { echo "build cohort-model first (ninja -C $build cohort-model)"; exit 1; }
work="$(mktemp -d "${TMPDIR:-/var/tmp}/cohort_bench_registry.XXXXXX")"
pids=()
source "$root/tests/common/servers.sh"
cleanup() {
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  rm -rf "$work" "/dev/shm/cohort_bench_warm.$$"
}
trap cleanup EXIT
blobs() { /usr/bin/python3 "$root/tests/runlog/azure_blobs.py" "$@"; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

mkdir -p "$work/outputs/model"
head -c $((mib << 20)) /dev/urandom >"$work/outputs/model/weights.h5"
echo '{"architecture": "bench"}' >"$work/outputs/model/model.json"
cat "$work/outputs/model/weights.h5" >/dev/null  # in the page cache, for every contender alike

start_azurite azurite
export COHORT_AZURE_ACCOUNT_KEY="$azurite_key" COHORT_DATA_TIMEOUT_S=600
curl_put() {  # curl_put NAME FILE: one Put Blob
  local -a h=(); local url=""
  while IFS= read -r line; do [ -z "$url" ] && url=$line || h+=(-H "$line"); done \
    < <(blobs sign "$azurite_endpoint" peer "$1" PUT "$(stat -c %s "$2")")
  curl -sf -X PUT -T "$2" "${h[@]}" -H "Expect:" "$url" -o /dev/null
}
curl_get() {  # curl_get NAME FILE: one Get Blob
  local -a h=(); local url=""
  while IFS= read -r line; do [ -z "$url" ] && url=$line || h+=(-H "$line"); done \
    < <(blobs sign "$azurite_endpoint" peer "$1" GET 0)
  curl -sf "${h[@]}" "$url" -o "$2"
}
# The container for the peer's blobs (cohort-model makes its own).
COHORT_REGISTRY="$azurite_endpoint/peer/x" "$model" register warm --from "$work/outputs" >/dev/null 2>&1

declare -A t
warm_pages() {  # touches and frees more memory than one copy takes (See bench/README.md)
  [ -d /dev/shm ] || return 0
  head -c $(((mib + 256) << 20)) /dev/zero >/dev/shm/cohort_bench_warm.$$
  rm -f /dev/shm/cohort_bench_warm.$$
}
timed() {  # timed KEY ROUND COMMAND...: flushes what earlier steps left dirty, then times COMMAND
  local key="$1" r="$2"; shift 2
  sync
  warm_pages
  local s; s=$(now); "$@"; t[$key,$r]=$(elapsed "$s")
}
pair() {  # pair ROUND PEER_KEY PEER_FUNCTION COHORT_KEY COHORT_FUNCTION: in turn, peer first in odd rounds
  if [ $(($1 % 2)) -eq 1 ]; then timed "$2" "$1" "$3"; timed "$4" "$1" "$5"
  else timed "$4" "$1" "$5"; timed "$2" "$1" "$3"; fi
}
for r in $(seq "$rounds"); do
  rm -rf "$work/copy" "$work/copy2" "$work/reg" "$work/down" "$work/down2" "$work/peer.bin"
  do_cp() { cp "$work/outputs/model/weights.h5" "$work/copy"; }
  do_cpsync() { cp "$work/outputs/model/weights.h5" "$work/copy2"; sync -f "$work/copy2"; }
  do_reglocal() { "$model" --registry "$work/reg" register m --from "$work/outputs" >/dev/null 2>&1; }
  do_cpdown() { cp "$work/reg/models/m/versions/00000001/files/weights.h5" "$work/down.bin"; }
  do_downlocal() { "$model" --registry "$work/reg" download m "$work/down" >/dev/null; }
  do_curlput() { curl_put "round-$r.bin" "$work/outputs/model/weights.h5"; }
  do_regazure() { "$model" --registry "$azurite_endpoint/models/r$r" register m --from "$work/outputs" >/dev/null 2>&1; }
  do_curlget() { curl_get "round-$r.bin" "$work/peer.bin"; }
  do_downazure() { "$model" --registry "$azurite_endpoint/models/r$r" download m "$work/down2" >/dev/null; }
  timed cpsync "$r" do_cpsync
  pair "$r" cp do_cp reglocal do_reglocal
  pair "$r" cpdown do_cpdown downlocal do_downlocal
  cmp -s "$work/down/weights.h5" "$work/outputs/model/weights.h5" || { echo "local download differs"; exit 1; }
  rm -rf "$work/down" "$work/down.bin" "$work/reg" "$work/copy" "$work/copy2"
  pair "$r" curlput do_curlput regazure do_regazure
  pair "$r" curlget do_curlget downazure do_downazure
  cmp -s "$work/down2/weights.h5" "$work/outputs/model/weights.h5" || { echo "Azurite download differs"; exit 1; }
  rm -rf "$work/down2" "$work/peer.bin"
  echo "round $r: cp ${t[cp,$r]} s, cp+fsync ${t[cpsync,$r]} s, register ${t[reglocal,$r]} s; cp back ${t[cpdown,$r]} s, download ${t[downlocal,$r]} s; curl PUT ${t[curlput,$r]} s, register ${t[regazure,$r]} s; curl GET ${t[curlget,$r]} s, download ${t[downazure,$r]} s"
done

median() {  # median KEY: the median over the rounds
  for r in $(seq "$rounds"); do echo "${t[$1,$r]}"; done | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
ratio() {  # ratio PEER COHORT: the median over rounds of peer/cohort
  for r in $(seq "$rounds"); do awk -v p="${t[$1,$r]}" -v c="${t[$2,$r]}" 'BEGIN { printf "%.3f\n", p / c }'; done |
    sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
mbps() { awk -v s="$1" -v m="$mib" 'BEGIN { printf "%.0f", m / s }'; }
echo
echo "registry, $mib MiB model, $rounds rounds (medians)"
printf '| %-28s | %-10s | %-8s | %-22s | %-10s | %-8s | %-14s |\n' operation peer "peer s" "" "cohort s" "MiB/s" "peer/cohort"
printf '|%s|\n' "------------------------------|------------|----------|------------------------|------------|----------|----------------"
row() { printf '| %-28s | %-10s | %-8s | %-22s | %-10s | %-8s | %-14s |\n' "$1" "$2" "$(median "$3")" "$4" "$(median "$5")" "$(mbps "$(median "$5")")" "$(ratio "$3" "$5")"; }
row "register, folder" cp cp "cohort-model register" reglocal
row "register, folder (flushed)" "cp+fsync" cpsync "cohort-model register" reglocal
row "download, folder" cp cpdown "cohort-model download" downlocal
row "register, Azurite" "curl PUT" curlput "cohort-model register" regazure
row "download, Azurite" "curl GET" curlget "cohort-model download" downazure
