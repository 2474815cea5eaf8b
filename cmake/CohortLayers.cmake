# Note [Layers]
# libcohort is one shared library per folder of runtime/cohort/ and of
# kernels/cohort/ (a layer), and each layer may use only the layers it names
# in DEPENDS (see docs/architecture.md for the diagram). Two things hold a
# layer to that:
#   - its sources may include only "cohort/<layer>/..." headers of itself and
#     of DEPENDS: cmake/CheckLayer.cmake scans them before the layer compiles,
#     and the build fails naming the file and line of a backwards include;
#   - it links only DEPENDS, with -Wl,--no-undefined, so a call into another
#     layer (a declaration copied instead of included) fails to link.
# cohort::cohort is every layer; a tool links just the layers it uses.

# cohort_layer(NAME name SOURCES a.cc ... [DEPENDS layer ...] [LIBS target ...]
#              [PUBLIC_HEADERS a.h ...])
#
# The layer's folder is COHORT_LAYER_ROOT/cohort/NAME, where COHORT_LAYER_ROOT
# is the include root of the calling CMakeLists.txt (runtime/ or kernels/):
# a header is included by its path under that root, "cohort/NAME/file.h".
# SOURCES are relative to COHORT_LAYER_ROOT/cohort; PUBLIC_HEADERS (relative
# to the layer's folder) are the ones installed; every other header of the
# layer is internal to the build.
function(cohort_layer)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "NAME" "SOURCES;DEPENDS;LIBS;PUBLIC_HEADERS")
  set(root ${COHORT_LAYER_ROOT})
  set(folder ${root}/cohort/${ARG_NAME})
  set(target cohort_${ARG_NAME})
  list(TRANSFORM ARG_SOURCES PREPEND ${root}/cohort/)
  add_library(${target} SHARED ${ARG_SOURCES})
  add_library(cohort::${ARG_NAME} ALIAS ${target})
  set_target_properties(${target} PROPERTIES VERSION ${PROJECT_VERSION} SOVERSION 0
                                             EXPORT_NAME ${ARG_NAME})
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>
                                              $<INSTALL_INTERFACE:include>)
  set(deps "")
  foreach(dep IN LISTS ARG_DEPENDS)
    list(APPEND deps cohort_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${deps} ${ARG_LIBS})
  # (Not in a fuzzing build: clang leaves the sanitizers' and libFuzzer's
  # symbols to the program, so a layer links with them undefined.)
  if(NOT COHORT_FUZZ)
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra>)

  # The include check runs before the layer compiles (and again whenever one of
  # its files changes).
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${folder}/*.h ${folder}/*.cc ${folder}/*.cu
       ${folder}/*.cuh)
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/layer-${ARG_NAME}.checked)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DLAYER=${ARG_NAME} "-DALLOWED=${ARG_DEPENDS}"
            -DROOT=${root} -DSTAMP=${stamp}
            -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayer.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/CheckLayer.cmake
    COMMENT "Checking that cohort/${ARG_NAME} includes only its own layers"
    VERBATIM)
  add_custom_target(${target}_includes DEPENDS ${stamp})
  add_dependencies(${target} ${target}_includes)

  install(TARGETS ${target} EXPORT cohortTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  foreach(header IN LISTS ARG_PUBLIC_HEADERS)
    get_filename_component(subdir ${header} DIRECTORY)
    install(FILES ${folder}/${header}
            DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cohort/${ARG_NAME}/${subdir})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY COHORT_LAYERS ${ARG_NAME})
endfunction()

# cohort::cohort: every layer, and the umbrella header cohort/cohort.h
# (runtime/cohort/cohort.h). Called once, after every layer is defined.
function(cohort_umbrella)
  add_library(cohort INTERFACE)
  add_library(cohort::cohort ALIAS cohort)
  get_property(layers GLOBAL PROPERTY COHORT_LAYERS)
  list(TRANSFORM layers PREPEND cohort_)
  target_link_libraries(cohort INTERFACE ${layers})
  set_target_properties(cohort PROPERTIES EXPORT_NAME cohort)
  install(TARGETS cohort EXPORT cohortTargets)
  install(FILES ${PROJECT_SOURCE_DIR}/runtime/cohort/cohort.h
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cohort)
endfunction()
