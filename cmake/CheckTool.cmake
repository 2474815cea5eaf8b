cmake_minimum_required(VERSION 3.22)  # policies for the script (CMP0130: while())
# cmake -DFOLDER=sweep -DROOT=<source> -DSTAMP=<file> -P CheckTool.cmake
#
# Fails when a file of launcher/FOLDER includes, with quotes, anything but
# its own folder's headers ("sweep/..."), launcher/common's ("common/...")
# and cohort's libraries ("cohort/..."): no tool includes another tool, and
# every include names its folder (See Note [Tools] in launcher/CMakeLists.txt).
# launcher/common itself includes only "common/..." and "cohort/...". The
# error names each file and line. On success touches STAMP.
file(GLOB_RECURSE files ${ROOT}/launcher/${FOLDER}/*.h ${ROOT}/launcher/${FOLDER}/*.cc)
set(allowed cohort common ${FOLDER})
set(wrong "")
foreach(file IN LISTS files)
  file(READ ${file} text)
  # Walk the include lines, counting the lines before each (a leading newline
  # lets the pattern anchor every include at the start of its line).
  set(rest "\n${text}")
  set(lines_before 0)
  while(TRUE)
    string(REGEX MATCH "\n[ \t]*#[ \t]*include[ \t]*\"([^\"\n]*)\"" found "${rest}")
    if(NOT found)
      break()
    endif()
    set(path "${CMAKE_MATCH_1}")
    string(FIND "${rest}" "${found}" at)
    string(SUBSTRING "${rest}" 0 ${at} before)
    string(REGEX MATCHALL "\n" newlines "${before}")
    list(LENGTH newlines count)
    math(EXPR lines_before "${lines_before} + ${count} + 1")
    string(LENGTH "${found}" length)
    math(EXPR after "${at} + ${length}")
    string(SUBSTRING "${rest}" ${after} -1 rest)

    string(REGEX MATCH "^[^/]*" used "${path}")
    if(NOT path MATCHES "/")
      set(used "")  # a bare name: every include names its folder
    endif()
    list(FIND allowed "${used}" index)
    if(index EQUAL -1)
      file(RELATIVE_PATH relative ${ROOT} ${file})
      string(APPEND wrong "\n  ${relative}:${lines_before}: #include \"${path}\"")
    endif()
  endwhile()
endforeach()
if(wrong)
  if(FOLDER STREQUAL "common")
    set(may "its own headers (\"common/...\") and cohort's (\"cohort/...\")")
  else()
    set(may "its own headers (\"${FOLDER}/...\"), launcher/common's (\"common/...\") and "
            "cohort's (\"cohort/...\")")
  endif()
  string(REPLACE ";" "" may "${may}")
  message(FATAL_ERROR "launcher/${FOLDER} may include only ${may}, each by its folder (See Note "
                      "[Tools] in launcher/CMakeLists.txt). These include another tool, or name "
                      "no folder:${wrong}\n"
                      "Move what two tools share into launcher/common (or the library layer that "
                      "owns it), and name the folder of every include.")
endif()
file(TOUCH ${STAMP})
