#!/usr/bin/env bash
# Installs every Debian package cohort needs, from a bare Debian 12 machine.
# Idempotent: packages already present are left alone, and apt is only asked
# when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates
  ccache                              # rebuilds reuse what was compiled before (cmake/CohortCcache.cmake)
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
  libcurl4-openssl-dev libssl-dev     # data storage: HTTP(S) for Azure Blob and WebHDFS, SHA-256, HMAC
  nlohmann-json3-dev                  # index.json and the storages' JSON answers
  libexpat1-dev                       # Azure Blob Storage's XML answers
  libxxhash-dev xxhash                # XXH3-128, the shards' default checksum (xxhsum -H2 checks it)
  python3-h5py python3-xxhash         # tests: h5py must open every shard, its checksum recomputed
  nodejs curl                         # Azurite (the Azure Blob emulator) for the data tests; curl for bench/
  python3-protobuf                    # tests: an independent reader of the TensorBoard event files
  libcli11-dev                        # command lines of cohortrun, cohort-pack, cohort-upload, cohort-model
  libsqlite3-dev sqlite3              # cohort-sweep's store (sqlite3: the tests read it independently)
  libyaml-cpp-dev                     # cohort-sweep's sweep files
  chromium                            # headless: the sweep report's test renders the HTML
  python3-optuna python3-sklearn      # the sweep's peer in bench/ and the examples
  clang-14 libfuzzer-14-dev           # fuzz targets for the parsers (hostile input)
  libboost-dev                        # cohort-serve's HTTP server (Boost.Beast, header-only)
  libsimdjson-dev                     # cohort-serve: an infer request read by simdjson
  wrk python3-fastapi python3-uvicorn gunicorn python3-flask  # bench/serve: the load and the peers
  zlib1g-dev                          # cohort/image: gzip for an image's layers
  umoci skopeo docker-registry        # tests/image: the image checked, pushed and unpacked
  clang-format                        # scripts/test.sh checks the sources' format
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

# Azurite, the Azure Blob Storage emulator the data tests run against: a
# pinned npm package in the git-ignored .deps/azurite of this repository.
azurite_version=3.37.0
azurite_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.deps/azurite"
install_azurite() {
  grep -qs "\"version\": \"$azurite_version\"" "$azurite_dir/node_modules/azurite/package.json" && return 0
  echo "setup: installing azurite@$azurite_version into $azurite_dir"
  if ! command -v npm >/dev/null; then  # Debian's nodejs comes without npm (NodeSource's has it)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends npm
  fi
  mkdir -p "$azurite_dir"
  npm install --prefix "$azurite_dir" --no-audit --no-fund --loglevel=error "azurite@$azurite_version" >/dev/null
}

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  install_azurite
  exit 0
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
install_azurite
