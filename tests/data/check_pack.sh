#!/usr/bin/env bash
# cohort-pack end to end: packs .npy arrays and the Debian Fashion-MNIST files,
# then check_shards.py opens every shard with h5py (Debian's python3-h5py) and
# compares it with index.json and the source arrays. Then cohort-pack's bad
# input: each case must exit non-zero with a message saying what is wrong.
#   check_pack.sh COHORT_PACK
set -euo pipefail
pack="$1"
here="$(cd "$(dirname "$0")" && pwd)"
python=/usr/bin/python3
work="$(mktemp -d "${TMPDIR:-/tmp}/cohort_pack_check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$python" - "$work" <<'PY'
import sys, numpy as np
w = sys.argv[1]
rng = np.random.default_rng(3)
np.save(w + "/x.npy", rng.standard_normal((100, 3, 2)).astype("<f4"))
np.save(w + "/y.npy", np.arange(100, dtype="<i8"))
np.save(w + "/z.npy", (np.arange(100) % 256).astype("u1"))
np.save(w + "/short.npy", np.arange(99, dtype="<i8"))
np.save(w + "/big_endian.npy", np.arange(100, dtype=">i4"))
np.save(w + "/fortran.npy", np.asfortranarray(np.ones((100, 3), dtype="<f8")))
data = open(w + "/y.npy", "rb").read()
open(w + "/truncated.npy", "wb").write(data[:-10])
PY

"$pack" --npy x="$work/x.npy" --npy y="$work/y.npy" --npy z="$work/z.npy" --to "$work/set" --shard-samples 30
"$pack" --npy x="$work/x.npy" --to "$work/sha" --shard-samples 64 --checksum sha256 >/dev/null
grep -q '"sha256"' "$work/sha/index.json" || { echo "FAILED: --checksum sha256 wrote no sha256"; exit 1; }
( cd "$work/sha" && sha256sum shard-00000.h5 | grep -qF "$(/usr/bin/python3 -c 'import json; print(json.load(open("index.json"))["shards"][0]["sha256"])')" ) ||
  { echo "FAILED: sha256sum disagrees with index.json"; exit 1; }
( cd "$work/set" && xxhsum -H2 shard-00000.h5 | grep -qF "$(/usr/bin/python3 -c 'import json; print(json.load(open("index.json"))["shards"][0]["xxh128"])')" ) ||
  { echo "FAILED: xxhsum -H2 disagrees with index.json"; exit 1; }
"$pack" --fashion-mnist /usr/share/datasets/fashion-mnist --to "file://$work/fm" --shard-mb 8 | tail -n 2
"$python" "$here/check_shards.py" "$work/set" --npy x="$work/x.npy" --npy y="$work/y.npy" --npy z="$work/z.npy"
"$python" "$here/check_shards.py" "$work/sha" --npy x="$work/x.npy"
"$python" "$here/check_shards.py" "$work/fm/train" --idx image=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \
  --idx label=/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz
"$python" "$here/check_shards.py" "$work/fm/test" --idx image=/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \
  --idx label=/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz

# refuses ARGS... EXPECTED: cohort-pack must fail and say EXPECTED.
failures=0
refuses() {
  local expected="${*: -1}" out rc=0
  out="$("$pack" "${@:1:$#-1}" 2>&1)" || rc=$?
  if [ "$rc" -eq 0 ] || ! grep -qF -- "$expected" <<<"$out"; then
    echo "FAILED: cohort-pack ${*:1:$#-1} exited $rc, expected a message with '$expected'; it said:"
    echo "$out"
    failures=$((failures + 1))
  else
    echo "ok: cohort-pack ${*:1:$#-1} -> $(grep -F -- "$expected" <<<"$out" | head -n 1)"
  fi
}
refuses "--to"
refuses --npy x="$work/x.npy" "--to LOCATION"
refuses --to "$work/o1" --npy bad "NAME=FILE"
refuses --to "$work/o2" --npy x="$work/missing.npy" "cannot open"
refuses --to "$work/o3" --npy x="$work/fortran.npy" "Fortran order"
refuses --to "$work/o4" --npy x="$work/big_endian.npy" "is not one a data set holds"
refuses --to "$work/o5" --npy x="$work/truncated.npy" "header promises"
refuses --to "$work/o6" --npy x="$work/x.npy" --npy y="$work/short.npy" "has 99 rows"
refuses --to "$work/set" --npy y="$work/y.npy" "already holds a data set"
refuses --to "s3://bucket/x" --npy y="$work/y.npy" "is not supported"
refuses --to "$work/o7" --npy y="$work/y.npy" --shard-mb 0 "positive number"
# Issue 16: 1e30 MB overflowed into one sample per shard; now out of range.
refuses --to "$work/o7" --npy y="$work/y.npy" --shard-mb 1e30 "'1e30' is out of range: a positive number of at most 1000000"
refuses --to "$work/o8" --npy y="$work/y.npy" --account-key abc "unknown option '--account-key'"
refuses --to "$work/o9" --fashion-mnist "$work/nothing" "cannot open"
refuses --to "$work/o10" --npy y="$work/y.npy" --checksum md5 "xxh128 or sha256"
# Issue 30, item 17: a missing input folder is named as such.
refuses --to "$work/o11" --fashion-mnist "$work/nothing" "cannot open the folder $work/nothing given to --fashion-mnist: it does not exist"
refuses --to "$work/o12" --npy x="$work/nodir/x.npy" "its folder $work/nodir does not exist"
for out in o1 o2 o3 o4 o5 o6 o7 o8 o9 o10 o11 o12; do
  [ ! -e "$work/$out/index.json" ] || { echo "FAILED: a refused pack left $work/$out/index.json"; failures=$((failures + 1)); }
done

# Issue 30, item 16: everything is checked before anything is written, and a
# data set is replaced whole. (1) --fashion-mnist into a location whose test/
# holds a data set: refused, and train/ (the shards of a pack cut short) left as it was.
"$pack" --to "$work/two/train" --npy x="$work/x.npy" --shard-samples 40 >/dev/null
rm "$work/two/train/index.json"
"$pack" --to "$work/two/test" --npy y="$work/y.npy" >/dev/null
before="$(cd "$work/two" && find . -type f | sort | xargs sha256sum)"
refuses --to "$work/two" --fashion-mnist /usr/share/datasets/fashion-mnist "$work/two/test already holds a data set"
[ "$(cd "$work/two" && find . -type f | sort | xargs sha256sum)" = "$before" ] ||
  { echo "FAILED: the refused --fashion-mnist pack changed $work/two"; failures=$((failures + 1)); }
# (2) --force leaves none of the old set's shards (10 shards, then 2).
"$pack" --to "$work/re" --npy y="$work/y.npy" --shard-samples 10 >/dev/null
mkdir "$work/plain"
[ "$(stat -c %a "$work/re")" = "$(stat -c %a "$work/plain")" ] ||
  { echo "FAILED: $work/re has mode $(stat -c %a "$work/re"), not the umask's"; failures=$((failures + 1)); }
chmod 2775 "$work/re"
"$pack" --to "$work/re" --npy y="$work/y.npy" --shard-samples 50 --force >/dev/null
[ "$(ls -A "$work/re" | tr '\n' ' ')" = "index.json shard-00000.h5 shard-00001.h5 " ] ||
  { echo "FAILED: --force left $(ls -A "$work/re" | tr '\n' ' ')"; failures=$((failures + 1)); }
"$python" "$here/check_shards.py" "$work/re" --npy y="$work/y.npy"
[ "$(stat -c %a "$work/re")" = 2775 ] || { echo "FAILED: --force did not keep the folder's mode"; failures=$((failures + 1)); }
# (3) A folder holding other files is not replaced (nor written into), with or without --force.
mkdir -p "$work/notes" && echo "mine" >"$work/notes/notes.txt"
refuses --to "$work/notes" --npy y="$work/y.npy" "$work/notes holds notes.txt, which a data set does not"
refuses --to "$work/notes" --npy y="$work/y.npy" --force "$work/notes holds notes.txt, which a data set does not"
[ "$(ls -A "$work/notes")" = "notes.txt" ] || { echo "FAILED: $work/notes was changed"; failures=$((failures + 1)); }
# (4) A symbolic link to a data set: the folder it names is replaced, the link stays.
ln -s re "$work/re-link"
"$pack" --to "$work/re-link" --npy z="$work/z.npy" --force >/dev/null
[ -L "$work/re-link" ] || { echo "FAILED: the link $work/re-link was replaced"; failures=$((failures + 1)); }
"$python" "$here/check_shards.py" "$work/re" --npy z="$work/z.npy"
# (5) No hidden staging folder is left, after a pack or a refusal.
leftovers="$(find "$work" -name '.*.pack-*')"
[ -z "$leftovers" ] || { echo "FAILED: staging folders left behind: $leftovers"; failures=$((failures + 1)); }

"$pack" --to "$work/set" --npy y="$work/y.npy" --force >/dev/null
"$python" "$here/check_shards.py" "$work/set" --npy y="$work/y.npy"
[ "$failures" -eq 0 ] || { echo "check_pack: $failures failure(s)"; exit 1; }
echo "check_pack: passed"
