#!/usr/bin/env bash
# For GPU machines without a package registry (the ones we borrow have CUDA,
# CMake, ninja and PyTorch, but no MPI or GoogleTest development files and no
# network): fetch Debian's packages here, carry them over, unpack them there
# into a folder of their own (never into /), and point the build at them.
#
#   scripts/gpu-deps.sh fetch [DIR]      here: download the .deb files into DIR
#                                        (default .gpu-debs, which git ignores)
#   source scripts/gpu-deps.sh env DIR PREFIX
#                                        there: unpack DIR's .deb files into
#                                        PREFIX and export PATH, LD_LIBRARY_PATH,
#                                        Open MPI's relocation variables and
#                                        COHORT_GPU_CMAKE_ARGS for cmake
packages=(
  libopenmpi-dev libopenmpi3 openmpi-bin openmpi-common libhwloc15 libevent-2.1-7
  libevent-core-2.1-7 libevent-pthreads-2.1-7 libpmix2 libfabric1 libucx0 libibverbs1
  librdmacm1 libnl-3-200 libnl-route-3-200 libpsm2-2 libpsm-infinipath1 libnuma1 libltdl7
  libmunge2 libpciaccess0 libgtest-dev zlib1g-dev dataset-fashion-mnist
  # sharded data: HDF5, libcurl + OpenSSL, nlohmann-json, xxHash, and what they load
  libhdf5-dev libhdf5-103-1 libhdf5-hl-100 libhdf5-cpp-103-1 libhdf5-hl-cpp-100 libsz2 libaec0
  libaec-dev libcurl4-openssl-dev libcurl4 libssl-dev libssl3 nlohmann-json3-dev libxxhash-dev
  libxxhash0 libnghttp2-14 librtmp1 libssh2-1 libpsl5 libbrotli1 libldap-2.5-0 libsasl2-2
  # the other layers and the example: sweeps (yaml-cpp, SQLite), serving (Boost.Beast,
  # header-only, and simdjson), images (zlib, above), the example's options (CLI11)
  libyaml-cpp-dev libyaml-cpp0.7 libsqlite3-dev libsqlite3-0 libboost1.74-dev libboost-dev
  libsimdjson-dev libsimdjson14 libcli11-dev
)

case "${1:-}" in
  fetch)
    set -eo pipefail
    dir=${2:-.gpu-debs}
    mkdir -p "$dir"
    (cd "$dir" && apt-get download "${packages[@]}")
    exclude=$(git rev-parse --git-path info/exclude)
    mkdir -p "$(dirname "$exclude")"
    grep -qx '/.gpu-debs/' "$exclude" 2>/dev/null || echo '/.gpu-debs/' >>"$exclude"
    du -sh "$dir"
    ;;
  env)
    dir=$2
    prefix=$3
    mkdir -p "$prefix"
    for deb in "$dir"/*.deb; do dpkg -x "$deb" "$prefix"; done
    # Debian's mpirun, mpiexec and mpicc point into /etc/alternatives: repoint them.
    for name in mpirun mpiexec; do ln -sf orterun "$prefix/usr/bin/$name"; done
    ln -sf opal_wrapper "$prefix/usr/bin/mpicc"
    arch=$prefix/usr/lib/x86_64-linux-gnu
    export PATH=$prefix/usr/bin:$PATH
    export LD_LIBRARY_PATH=$arch:$arch/openmpi/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    # Headers and libraries found by name only (xxhash.h, -lxxhash).
    export CPATH=$prefix/usr/include${CPATH:+:$CPATH}
    export LIBRARY_PATH=$arch${LIBRARY_PATH:+:$LIBRARY_PATH}
    # Open MPI was built for /usr and /etc/openmpi: tell it where it lives now.
    export OPAL_PREFIX=$prefix/usr OPAL_SYSCONFDIR=$prefix/etc/openmpi
    export OPAL_LIBDIR=$arch/openmpi/lib OPAL_PKGLIBDIR=$arch/openmpi/lib/openmpi3
    export OPAL_PKGDATADIR=$prefix/usr/share/openmpi OPAL_DATADIR=$prefix/usr/share
    export OPAL_INCLUDEDIR=$arch/openmpi/include OPAL_BINDIR=$prefix/usr/bin
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    # PMIx looks for its plugins where Debian put them, which may hold another PMIx's.
    export PMIX_MCA_mca_base_component_path=$arch/pmix2/lib/pmix
    export PMIX_MCA_pcompress_base_silence_warning=1
    # NCCL: the toolkit's, else the one PyTorch's wheels bring.
    nccl=/usr/local/cuda
    if [ ! -f "$nccl/include/nccl.h" ]; then
      nccl=$(python3 -c 'import nvidia.nccl, os; print(list(nvidia.nccl.__path__)[0])' 2>/dev/null || true)
    fi
    ncclib=$(ls "$nccl"/lib/libnccl.so* "$nccl"/lib64/libnccl.so* 2>/dev/null | head -n 1 || true)
    COHORT_GPU_CMAKE_ARGS=(
      -DTorch_DIR="$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')/Torch"
      -DMPI_C_COMPILER="$prefix/usr/bin/mpicc" -DMPIEXEC_EXECUTABLE="$prefix/usr/bin/mpiexec"
      -DMPI_C_HEADER_DIR="$arch/openmpi/include" -DMPI_C_LIB_NAMES=mpi
      -DMPI_mpi_LIBRARY="$arch/libmpi.so.40"
      -DGTest_DIR="$arch/cmake/GTest" -DZLIB_INCLUDE_DIR="$prefix/usr/include"
      -DCOHORT_NCCL_INCLUDE="$nccl/include" -DCOHORT_NCCL_LIBRARY="$ncclib"
      -DCMAKE_PREFIX_PATH="$prefix/usr" -DHDF5_ROOT="$arch/hdf5/serial"
      -DOPENSSL_ROOT_DIR="$prefix/usr"
      -DCOHORT_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90
    )
    export COHORT_GPU_CMAKE_ARGS
    ;;
  *)
    sed -n '2,15p' "${BASH_SOURCE[0]}"
    return 2 2>/dev/null || exit 2
    ;;
esac
