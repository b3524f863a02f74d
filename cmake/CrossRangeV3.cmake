# range-v3 is header-only, but Debian installs it under /usr/include, which a
# cross compiler must not search (glibc's headers live there too). For a
# Windows cross-build, an include directory holding only range-v3's own
# header trees (symbolic links) stands in for the host package.
function(processkit_cross_range_v3)
  if(TARGET range-v3::range-v3)
    return()
  endif()
  set(dir ${PROJECT_BINARY_DIR}/cross-include/range-v3)
  file(MAKE_DIRECTORY ${dir})
  foreach(tree range meta concepts std)
    if(NOT EXISTS /usr/include/${tree})
      message(FATAL_ERROR "range-v3 headers not found in /usr/include (librange-v3-dev)")
    endif()
    file(CREATE_LINK /usr/include/${tree} ${dir}/${tree} SYMBOLIC)
  endforeach()
  add_library(range-v3::range-v3 INTERFACE IMPORTED GLOBAL)
  target_include_directories(range-v3::range-v3 SYSTEM INTERFACE ${dir})
endfunction()
