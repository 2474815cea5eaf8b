#!/usr/bin/env bash
# Installs every Debian package cohort needs, from a bare Debian 12 machine.
# Idempotent: packages already present are left alone, and apt is only asked
# when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  openmpi-bin libopenmpi-dev          # MPI engine and headers (Open MPI 4.1)
  libhdf5-dev                         # HDF5 shards and checkpoints
  libtorch-dev                        # libtorch 1.13 CPU
  libopenblas0-openmp                 # fast BLAS for libtorch (reference BLAS is ~18x slower)
  libgtest-dev googletest             # unit and multi-rank tests
  dataset-fashion-mnist               # the example's real data
  python3 python3-torch python3-numpy # the PyTorch DDP peer in bench/
  procps                              # pgrep/ps for the process-table checks
  slurm-wlm munge                     # cohortrun under Slurm: the test starts its own daemons
  openssh-client openssh-server       # cohortrun over ssh: hosts made of network namespaces
  iproute2 util-linux                 # ip netns, nsenter, unshare for those hosts
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
