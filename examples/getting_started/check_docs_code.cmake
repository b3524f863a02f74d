# Checks that the getting-started pages show exactly the programs that are
# built and run here (ctest: getting_started_docs_in_sync):
#
#   cmake -D PAGES_DIR=<docs/getting-started> -D PROGRAMS_DIR=<this directory>
#         -D SOURCE_DIR=<source tree> -D WORK_DIR=<scratch directory>
#         -P check_docs_code.cmake
#
# A page marks a program's block with a comment line naming the file,
# relative to the source tree, right before the fenced block:
#
#   <!-- program: examples/getting_started/blocking.cpp -->
#   ```cpp
#   ...the whole file...
#   ```
#
# The block must equal the file byte for byte (plus its final newline), and
# every *.cpp here must be shown by some page. On a mismatch the difference is
# printed as a unified diff (`diff -u <file> <block>`).
cmake_minimum_required(VERSION 3.25)

foreach(var PAGES_DIR PROGRAMS_DIR SOURCE_DIR WORK_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_docs_code: -D ${var}=... is required")
  endif()
endforeach()

set(marker "<!-- program: ")
set(fence_open "```cpp\n")
set(fence_close "\n```\n")
file(GLOB pages "${PAGES_DIR}/*.md")
file(GLOB programs "${PROGRAMS_DIR}/*.cpp")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(failed FALSE)
set(shown "")

foreach(page IN LISTS pages)
  file(READ "${page}" rest)
  while(TRUE)
    string(FIND "${rest}" "${marker}" at)
    if(at EQUAL -1)
      break()
    endif()
    string(LENGTH "${marker}" marker_length)
    math(EXPR name_at "${at} + ${marker_length}")
    string(SUBSTRING "${rest}" ${name_at} -1 rest)
    string(FIND "${rest}" " -->" name_end)
    if(name_end EQUAL -1)
      message("FAIL: ${page}: unterminated '${marker}' comment")
      set(failed TRUE)
      break()
    endif()
    string(SUBSTRING "${rest}" 0 ${name_end} name)
    math(EXPR after_marker "${name_end} + 4")
    string(SUBSTRING "${rest}" ${after_marker} -1 rest)

    # The fenced block must come next, with nothing but blank space before it.
    string(FIND "${rest}" "${fence_open}" open)
    set(before "")
    if(open GREATER 0)
      string(SUBSTRING "${rest}" 0 ${open} before)
      string(STRIP "${before}" before)
    endif()
    if(open EQUAL -1 OR NOT before STREQUAL "")
      message("FAIL: ${page}: no ```cpp block right after the marker of ${name}")
      set(failed TRUE)
      continue()
    endif()
    string(LENGTH "${fence_open}" fence_length)
    math(EXPR code_at "${open} + ${fence_length}")
    string(SUBSTRING "${rest}" ${code_at} -1 rest)
    string(FIND "${rest}" "${fence_close}" close)
    if(close EQUAL -1)
      message("FAIL: ${page}: the block of ${name} is not closed")
      set(failed TRUE)
      break()
    endif()
    string(SUBSTRING "${rest}" 0 ${close} code)
    string(APPEND code "\n")
    string(SUBSTRING "${rest}" ${close} -1 rest)

    set(file "${SOURCE_DIR}/${name}")
    list(APPEND shown "${file}")
    if(NOT EXISTS "${file}")
      message("FAIL: ${page} shows ${name}, which does not exist")
      set(failed TRUE)
      continue()
    endif()
    file(READ "${file}" expected)
    if(code STREQUAL expected)
      message("ok: ${page} shows ${name} as it is")
    else()
      get_filename_component(base "${name}" NAME)
      set(block_file "${WORK_DIR}/${base}.from-page")
      file(WRITE "${block_file}" "${code}")
      execute_process(COMMAND diff -u "${file}" "${block_file}" OUTPUT_VARIABLE diff)
      message("FAIL: ${page}: the block of ${name} differs from the file "
              "(copy the file into the page):\n${diff}")
      set(failed TRUE)
    endif()
  endwhile()
endforeach()

foreach(program IN LISTS programs)
  if(NOT program IN_LIST shown)
    message("FAIL: no page in ${PAGES_DIR} shows ${program} (a '${marker}' comment)")
    set(failed TRUE)
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "check_docs_code: the getting-started pages and programs differ")
endif()
