# install(): libcohort, its headers under include/cohort, and a CMake package
# so that another project can find_package(cohort) and link cohort::cohort.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS cohort EXPORT cohortTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY runtime/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cohort
        FILES_MATCHING PATTERN "*.h")
install(DIRECTORY kernels/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/cohort/kernels
        FILES_MATCHING PATTERN "*.h")
install(EXPORT cohortTargets NAMESPACE cohort:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cohort)
configure_package_config_file(cmake/cohortConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cohortConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cohort)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cohortConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cohortConfig.cmake ${CMAKE_BINARY_DIR}/cohortConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/cohort)
