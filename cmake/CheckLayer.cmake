# cmake -DLAYER=ddp "-DALLOWED=core;kernels;comm;world" -DROOT=<source> -DSTAMP=<file> -P CheckLayer.cmake
#
# Fails when a file of cohort/LAYER includes a cohort header from a layer
# outside LAYER and ALLOWED (See Note [Layers] in CohortLayers.cmake), or the
# umbrella header cohort/cohort.h. On success touches STAMP.
file(GLOB_RECURSE files ${ROOT}/cohort/${LAYER}/*.h ${ROOT}/cohort/${LAYER}/*.cc
     ${ROOT}/cohort/${LAYER}/*.cu ${ROOT}/cohort/${LAYER}/*.cuh)
set(allowed ${LAYER} ${ALLOWED})
set(wrong "")
foreach(file IN LISTS files)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]cohort/")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*[<\"]cohort/([^\">]*)[\">].*" "\\1" path "${line}")
    string(REGEX MATCH "^[^/]*" used "${path}")
    if(NOT path MATCHES "/")
      set(used "")  # cohort/cohort.h: the umbrella, for trainers only
    endif()
    list(FIND allowed "${used}" index)
    if(index EQUAL -1)
      file(RELATIVE_PATH relative ${ROOT} ${file})
      string(APPEND wrong "\n  ${relative}: #include \"cohort/${path}\"")
    endif()
  endforeach()
endforeach()
if(wrong)
  string(REPLACE ";" ", " allowed_text "${ALLOWED}")
  if(NOT allowed_text)
    set(allowed_text "nothing")
  endif()
  message(FATAL_ERROR "cohort/${LAYER} may include only its own headers and those of: "
                      "${allowed_text} (See Note [Layers] in cmake/CohortLayers.cmake and "
                      "docs/architecture.md). These include another layer:${wrong}\n"
                      "Move the code to the layer that owns it, or the shared piece down to a "
                      "layer both may use.")
endif()
file(TOUCH ${STAMP})
