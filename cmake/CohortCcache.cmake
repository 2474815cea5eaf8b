# ccache, when it is installed (scripts/setup.sh installs it) and the build
# names no compiler launcher of its own: a rebuild from a fresh clone, or
# after switching branches, takes back what was compiled before instead of
# compiling it again. -DCOHORT_CCACHE=OFF builds without it (e.g. to time a
# clean build). The sloppiness lets ccache cache the files that use the
# precompiled libtorch headers (Note [One precompiled libtorch]): without it
# ccache compiles every one of them afresh.
option(COHORT_CCACHE "Compile through ccache when it is installed" ON)
find_program(COHORT_CCACHE_PROGRAM ccache)
if(COHORT_CCACHE AND COHORT_CCACHE_PROGRAM)
  set(launcher env CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
               ${COHORT_CCACHE_PROGRAM})
  foreach(lang C CXX CUDA)
    if(NOT CMAKE_${lang}_COMPILER_LAUNCHER)
      set(CMAKE_${lang}_COMPILER_LAUNCHER ${launcher})
    endif()
  endforeach()
endif()
