# Sanitizers apply to everything in the build (libraries, tests, examples) so
# that instrumented and uninstrumented code never mix.
if(PROCESSKIT_SANITIZE)
  add_compile_options(-fsanitize=${PROCESSKIT_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${PROCESSKIT_SANITIZE})
  # GCC warns that TSan does not instrument atomic_thread_fence, which Asio
  # uses; TSan still sees the atomics around it. Not an error of ours.
  if(PROCESSKIT_SANITIZE MATCHES "thread" AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-tsan)
  endif()
  if(PROCESSKIT_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
