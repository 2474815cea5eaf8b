# install(): the layer libraries and their public headers (cohort_layer
# installs those), the tools, and a CMake package so that another project can
# find_package(cohort) and link cohort::cohort.
include(CMakePackageConfigHelpers)

install(EXPORT cohortTargets NAMESPACE cohort:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cohort)
configure_package_config_file(cmake/cohortConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cohortConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cohort)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cohortConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cohortConfig.cmake ${CMAKE_BINARY_DIR}/cohortConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cohort)
