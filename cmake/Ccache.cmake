# ccache in front of the compiler; the sloppiness settings let it cache translation units that
# use the precompiled torch header, and the base directory lets clones in other folders (CI)
# share the cache.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      "CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}"
      # ccache evicts per sixteenth of its size: room for the 350 MB torch PCH in one sixteenth.
      "CCACHE_MAXSIZE=10G"
      ${CCACHE_PROGRAM})
  message(STATUS "Using ccache: ${CCACHE_PROGRAM}")
endif()
