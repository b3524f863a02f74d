# Fails if any file under core/ includes an OS or threading header or reads a
# clock. Run by ctest as `core_purity`.
file(GLOB_RECURSE sources "${CORE_DIR}/*.hpp" "${CORE_DIR}/*.cpp")
set(forbidden
  "#include[ \t]*<(unistd|fcntl|signal|csignal|poll|pthread|spawn|dirent|errno|cerrno|windows|ctime|time)\\.?h?>"
  "#include[ \t]*<sys/"
  "#include[ \t]*<linux/"
  "#include[ \t]*<(thread|mutex|condition_variable|future|atomic|filesystem|fstream|iostream|cstdio|stdio.h|random)>"
  "::now[ \t]*\\("
  "(getenv|setenv|system|clock_gettime|gettimeofday)[ \t]*\\(")
set(bad "")
foreach(f IN LISTS sources)
  file(STRINGS "${f}" lines)
  set(n 0)
  foreach(line IN LISTS lines)
    math(EXPR n "${n} + 1")
    foreach(pattern IN LISTS forbidden)
      if(line MATCHES "${pattern}")
        string(APPEND bad "  ${f}:${n}: ${line}\n")
      endif()
    endforeach()
  endforeach()
endforeach()
list(LENGTH sources count)
if(count EQUAL 0)
  message(FATAL_ERROR "core purity: no sources found under ${CORE_DIR}")
endif()
if(bad)
  message(FATAL_ERROR "core purity violated (OS header, thread or clock read in core/):\n${bad}")
endif()
message(STATUS "core purity: ${count} files checked, clean")
