# Sanitizers apply to everything in the build (libraries, tests, examples) so
# that instrumented and uninstrumented code never mix.
if(PROCESSKIT_SANITIZE)
  add_compile_options(-fsanitize=${PROCESSKIT_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${PROCESSKIT_SANITIZE})
  if(PROCESSKIT_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
