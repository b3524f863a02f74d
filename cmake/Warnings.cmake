# One warning set for every processkit target. -Wconversion catches the
# size_t/int narrowing that byte-counting code is prone to; -Wshadow and
# -Wold-style-cast keep the code honest about what it names and converts.
add_library(processkit_warnings INTERFACE)
target_compile_options(processkit_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
  -Wimplicit-fallthrough
  $<$<BOOL:${PROCESSKIT_WERROR}>:-Werror>
  # GCC 12 at -O2 reports moves of std::variant actions (core's action
  # queues) as maybe-uninitialized, a known false positive (GCC bug 80635):
  # still shown in optimised builds, but it does not fail them.
  # Likewise -Wrestrict at -O3 on `"literal" + std::string&&` inside
  # libstdc++'s own string code (GCC bug 105329).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${PROCESSKIT_WERROR}>>:-Wno-error=maybe-uninitialized>
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<BOOL:${PROCESSKIT_WERROR}>>:-Wno-error=restrict>)
# Not -Wnull-dereference: it only acts in optimised builds, where GCC 12
# reports false positives inside Asio's scheduler in every file that runs an
# io_context (and a warning in a system header cannot be silenced per file).
