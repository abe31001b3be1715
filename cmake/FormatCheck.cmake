# The format check with one pinned clang-format major (Debian 12 and 13 both package
# clang-format-19; scripts/install-deps.sh installs it). Another major formats some constructs
# differently, so with any other the check is skipped with a message saying so, never failed.
set(DDIL_CLANG_FORMAT_MAJOR 19)
find_program(DDIL_CLANG_FORMAT NAMES clang-format-${DDIL_CLANG_FORMAT_MAJOR} clang-format)
set(DDIL_CLANG_FORMAT_PINNED OFF)
if(DDIL_CLANG_FORMAT)
  execute_process(COMMAND ${DDIL_CLANG_FORMAT} --version OUTPUT_VARIABLE _ddil_cf_version
                  ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REGEX MATCH "version ([0-9]+)\\." _ddil_cf_match "${_ddil_cf_version}")
  set(DDIL_CLANG_FORMAT_FOUND_MAJOR "${CMAKE_MATCH_1}")
  if(DDIL_CLANG_FORMAT_FOUND_MAJOR STREQUAL DDIL_CLANG_FORMAT_MAJOR)
    set(DDIL_CLANG_FORMAT_PINNED ON)
  endif()
  set(_ddil_cf_found "${DDIL_CLANG_FORMAT} is major ${DDIL_CLANG_FORMAT_FOUND_MAJOR}")
else()
  set(_ddil_cf_found "no clang-format found")
endif()
set(DDIL_FORMAT_SKIP_MESSAGE
    "format check skipped: it is pinned to clang-format ${DDIL_CLANG_FORMAT_MAJOR} and ${_ddil_cf_found}")

file(GLOB_RECURSE DDIL_FORMAT_SOURCES CONFIGURE_DEPENDS
     ${CMAKE_SOURCE_DIR}/app/*.cpp ${CMAKE_SOURCE_DIR}/core/*.cpp ${CMAKE_SOURCE_DIR}/core/*.h
     ${CMAKE_SOURCE_DIR}/widgets/*.cpp ${CMAKE_SOURCE_DIR}/widgets/*.h
     ${CMAKE_SOURCE_DIR}/session/*.cpp ${CMAKE_SOURCE_DIR}/session/*.h ${CMAKE_SOURCE_DIR}/tests/*.cpp
     ${CMAKE_SOURCE_DIR}/tests/*.h ${CMAKE_SOURCE_DIR}/benchmarks/*.cpp)

if(DDIL_CLANG_FORMAT_PINNED)
  add_custom_target(format-check COMMAND ${DDIL_CLANG_FORMAT} --dry-run --Werror ${DDIL_FORMAT_SOURCES}
                    COMMENT "clang-format ${DDIL_CLANG_FORMAT_MAJOR} check")
  add_custom_target(format COMMAND ${DDIL_CLANG_FORMAT} -i ${DDIL_FORMAT_SOURCES})
else()
  message(STATUS "${DDIL_FORMAT_SKIP_MESSAGE}")
  add_custom_target(format-check COMMAND ${CMAKE_COMMAND} -E echo "${DDIL_FORMAT_SKIP_MESSAGE}")
  add_custom_target(format COMMAND ${CMAKE_COMMAND} -E echo
                    "format: clang-format ${DDIL_CLANG_FORMAT_MAJOR} is needed (${_ddil_cf_found})")
endif()

if(DDIL_BUILD_TESTS)
  if(DDIL_CLANG_FORMAT_PINNED)
    add_test(NAME format_check COMMAND ${DDIL_CLANG_FORMAT} --dry-run --Werror ${DDIL_FORMAT_SOURCES})
  else()
    add_test(NAME format_check COMMAND ${CMAKE_COMMAND} -E echo "${DDIL_FORMAT_SKIP_MESSAGE}")
    set_tests_properties(format_check PROPERTIES SKIP_REGULAR_EXPRESSION "format check skipped")
  endif()
  set_tests_properties(format_check PROPERTIES LABELS "unit;lint")
endif()
