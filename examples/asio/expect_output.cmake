# Runs a program and checks its exit status and output; used by the example
# tests (see CMakeLists.txt here):
#
#   cmake -P expect_output.cmake -- EXIT <code> RUN <program> [<arg>...]
#         [STDOUT <regex>...] [STDERR <regex>...]
#
# Every STDOUT (STDERR) regex must match one whole line of the program's
# stdout (stderr), anywhere in it; no order between them is required, so the
# check does not depend on how concurrent output interleaves.
cmake_minimum_required(VERSION 3.25)

set(section "")
set(want_exit "")
set(command "")
set(stdout_res "")
set(stderr_res "")
set(seen_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(i RANGE 1 ${last})
  set(arg "${CMAKE_ARGV${i}}")
  if(NOT seen_separator)
    if(arg STREQUAL "--")
      set(seen_separator TRUE)
    endif()
    continue()
  endif()
  if(arg MATCHES "^(EXIT|RUN|STDOUT|STDERR)$" AND NOT section STREQUAL "RUN_ARGS")
    set(section "${arg}")
    continue()
  endif()
  if(section STREQUAL "EXIT")
    set(want_exit "${arg}")
  elseif(section STREQUAL "RUN" OR section STREQUAL "RUN_ARGS")
    if(arg MATCHES "^(STDOUT|STDERR)$")
      set(section "${arg}")
      continue()
    endif()
    list(APPEND command "${arg}")
    set(section "RUN_ARGS")
  elseif(section STREQUAL "STDOUT")
    list(APPEND stdout_res "${arg}")
  elseif(section STREQUAL "STDERR")
    list(APPEND stderr_res "${arg}")
  else()
    message(FATAL_ERROR "expect_output: unexpected argument '${arg}'")
  endif()
endforeach()
if(want_exit STREQUAL "" OR NOT command)
  message(FATAL_ERROR "usage: cmake -P expect_output.cmake -- EXIT <code> RUN <program> ...")
endif()

execute_process(COMMAND ${command}
  RESULT_VARIABLE got_exit
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
message("--- stdout:\n${out}--- stderr:\n${err}--- exit status: ${got_exit}")

set(failed FALSE)
if(NOT got_exit STREQUAL want_exit)
  message("FAIL: exit status ${got_exit}, expected ${want_exit}")
  set(failed TRUE)
endif()
# Each regex must match a whole line: look for it between two newlines.
foreach(stream IN ITEMS stdout stderr)
  if(stream STREQUAL "stdout")
    set(text "\n${out}\n")
  else()
    set(text "\n${err}\n")
  endif()
  foreach(re IN LISTS ${stream}_res)
    if(NOT text MATCHES "\n(${re})\n")
      message("FAIL: no ${stream} line matches '${re}'")
      set(failed TRUE)
    endif()
  endforeach()
endforeach()
if(failed)
  message(FATAL_ERROR "expect_output: ${command} did not behave as expected")
endif()
