# Header-only packages for a Windows cross-build. Debian installs range-v3
# and nlohmann-json under /usr/include, which a cross compiler must not
# search (glibc's headers live there too). For each, an include directory
# holding only the package's own header trees (symbolic links) stands in
# for the host package, as the imported target the project links.
function(processkit_cross_header_only target)
  if(TARGET ${target})
    return()
  endif()
  string(MAKE_C_IDENTIFIER ${target} name)
  set(dir ${PROJECT_BINARY_DIR}/cross-include/${name})
  file(MAKE_DIRECTORY ${dir})
  foreach(tree IN LISTS ARGN)
    if(NOT EXISTS /usr/include/${tree})
      message(FATAL_ERROR "/usr/include/${tree} not found (the Debian package that provides ${target})")
    endif()
    file(CREATE_LINK /usr/include/${tree} ${dir}/${tree} SYMBOLIC)
  endforeach()
  add_library(${target} INTERFACE IMPORTED GLOBAL)
  target_include_directories(${target} SYSTEM INTERFACE ${dir})
endfunction()
