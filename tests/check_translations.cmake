# CTest script: the Traditional Chinese translation covers every user-visible string of the
# current sources. lupdate refreshes a copy of the .ts from the sources; a new or unfinished
# message fails the test with its text.
#   cmake -DLUPDATE=... -DTS=... -DWORK=... -DINCLUDE=<source root> -DSOURCES="a.cpp;b.h" -P ...
file(MAKE_DIRECTORY ${WORK})
get_filename_component(name ${TS} NAME)
configure_file(${TS} ${WORK}/${name} COPYONLY)
execute_process(COMMAND ${LUPDATE} -I ${INCLUDE} ${SOURCES} -ts ${WORK}/${name} -no-obsolete -locations none
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "lupdate failed: ${out}${err}")
endif()
file(READ ${WORK}/${name} text)
string(REGEX MATCHALL "<source>[^<]*</source>[ \n]*<translation type=\"unfinished\"" missing "${text}")
string(REGEX MATCHALL "<translation>[ ]*</translation>" empty "${text}")
list(LENGTH missing n)
list(LENGTH empty e)
if(n GREATER 0 OR e GREATER 0)
  message(FATAL_ERROR "${name}: ${n} untranslated and ${e} empty messages (run the update_translations target and translate them):\n${missing}")
endif()
message(STATUS "${name}: every message translated (${out})")
