#!/usr/bin/env bash
# The Fashion-MNIST example on 2 hosts x 1 rank joined by a 1 Gbit/s link
# (network-namespace hosts, tc's tbf on both ends of each veth), trained under
# cohortrun twice with the same seed and data: gradients between the hosts as
# float32, then as bfloat16 (COHORT_COMPRESS=bf16, Note [Compressed buckets]).
# The test accuracies must agree within 0.2 points, and the bf16 run must say
# in its log that it compressed.
#
#   check_compress_netns.sh BUILD_DIR [example options]     (needs root; 77 = skipped)
set -u
build=$1
shift
example_args=("$@")
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIPPED: the multi-host check creates network namespaces, which needs root"
  exit 77
fi
example=$build/examples/fashion_mnist/fashion_mnist
cohortrun=$build/bin/cohortrun
pack=$build/bin/cohort-pack
for program in "$example" "$cohortrun" "$pack"; do
  [ -x "$program" ] || { echo "FAIL: no $program; build it first"; exit 1; }
done
source "$root/tests/launcher/netns_hosts.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/cohort_compress.XXXXXX")
chmod 755 "$work"
trap 'hosts_down; rm -rf "$work"' EXIT

"$pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "$work/data" --shard-mb 4 >/dev/null ||
  { echo "FAIL: packing Fashion-MNIST"; exit 1; }
hosts_up 2 "$work/hosts" || { echo "FAIL: the network-namespace hosts did not come up"; exit 1; }
link_rate 1 1gbit
link_rate 2 1gbit
# The shaping is in place on both ends.
for k in 1 2; do
  host_exec "$k" tc qdisc show dev eth0 | grep -q 'tbf .*rate 1Gbit' ||
    { echo "FAIL: h$k's link is not limited to 1 Gbit/s"; exit 1; }
done

# train NAME COMPRESS: the example on h1 and h2, its accuracy into $work/NAME.accuracy.
train() {
  local name=$1 compress=$2 dir=$work/$1
  mkdir -p "$dir"
  nsenter -t "$(_host_anchor 1)" -n -m -u -- "$cohortrun" --hosts h1:1,h2:1 \
    --logs "$dir/logs" --outputs "$dir/outputs" -- \
    env OMP_NUM_THREADS=1 COHORT_COMPRESS="$compress" COHORT_LOG_LEVEL=debug \
    "$example" --data "$work/data" --threads 1 "${example_args[@]}" >"$dir/run.log" 2>&1 ||
    { tail -30 "$dir/run.log"; echo "FAIL: the $name run failed"; exit 1; }
  sed -n 's/.*test accuracy: \([0-9.]*\).*/\1/p' "$dir/run.log" | tail -1 >"$dir.accuracy"
  [ -s "$dir.accuracy" ] || { tail -30 "$dir/run.log"; echo "FAIL: the $name run printed no test accuracy"; exit 1; }
  echo "$name: test accuracy $(cat "$dir.accuracy")"
}

train float32 none
train bf16 bf16
grep -rq "between machines as bf16" "$work/bf16/logs" ||
  { echo "FAIL: the bf16 run's logs do not say it compressed"; exit 1; }
grep -rq "between machines as float32" "$work/float32/logs" ||
  { echo "FAIL: the float32 run's logs do not say float32"; exit 1; }
awk -v a="$(cat "$work/float32.accuracy")" -v b="$(cat "$work/bf16.accuracy")" 'BEGIN {
  d = (b - a) * 100; if (d < 0) d = -d
  printf "difference: %.2f points (limit 0.2)\n", d
  exit d > 0.2 }' || { echo "FAIL: bf16 compression moved the test accuracy by more than 0.2 points"; exit 1; }
echo "PASS"
