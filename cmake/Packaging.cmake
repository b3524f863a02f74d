# Debian packages with CPack's DEB generator (README "Debian packages"):
#
#   cmake --preset package && cmake --build --preset package
#   cpack --preset package          # build/package/*.deb
#
# makes two packages from the install rules' components:
#   libprocesskit-dev  (component dev) headers, libraries, the CMake package,
#                      processkit.pc and the owner-death guard in
#                      libexec/processkit
#   pk                 (component pk) the tool, its man page, bash completion
# Static libraries by default; with -DBUILD_SHARED_LIBS=ON the shared objects
# (and their SONAME links) go into libprocesskit-dev too. pk needs the guard
# (and, shared, the libraries), so it depends on libprocesskit-dev of the same
# version. The guard's path is compiled into the library, so the install
# prefix of the build is the packages' prefix (/usr in the preset).
include_guard(GLOBAL)

set(CPACK_PACKAGE_NAME processkit)
set(CPACK_PACKAGE_VENDOR "processkit")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "processkit maintainers <maintainers@processkit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "child processes that never outlive their owner")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_COMPONENTS_ALL dev pk)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # libc6, libstdc++6 ... from the binaries
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libprocesskit-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# range-v3 is in the public headers; Asio and Qt only for the asio and qt
# components' headers, so they are suggested, not required.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "librange-v3-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "libasio-dev, qt6-base-dev")
string(CONCAT CPACK_COMPONENT_DEV_DESCRIPTION
  "C++20 library for child processes that never outlive their owner\n"
  "Each child and everything it spawns runs in a kernel container (a cgroup v2,\n"
  "or a process group) killed as a unit when its owner lets go: after a\n"
  "timeout, an exception or the owner's own death. Output is captured without\n"
  "deadlocks and the tree's CPU, memory and process count are measured.\n"
  "This package holds the headers, the libraries (blocking API, Asio and Qt 6\n"
  "adapters), the CMake package, processkit.pc and the owner-death guard.")

set(CPACK_DEBIAN_PK_PACKAGE_NAME pk)
set(CPACK_DEBIAN_PK_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PK_PACKAGE_DEPENDS "libprocesskit-dev (= ${PROJECT_VERSION})")
string(CONCAT CPACK_COMPONENT_PK_DESCRIPTION
  "run a command contained: timeout, limits, JSON result, profile\n"
  "pk run starts a command in a cgroup v2 (or a process group) of its own and\n"
  "kills whatever the command leaves behind when it ends, after a timeout, or\n"
  "if pk itself dies. It can print a JSON result, a resource profile, per-sample\n"
  "statistics and an SVG chart of CPU, memory and processes.")

if(BUILD_SHARED_LIBS)
  # dpkg-shlibdeps cannot resolve pk's libprocesskit_*.so.* (they are in
  # libprocesskit-dev, not installed while packaging). pk's run-time needs
  # come through its exact dependency on libprocesskit-dev, whose own
  # shlibdeps name libc6 and libstdc++6.
  set(CPACK_DEBIAN_PK_PACKAGE_SHLIBDEPS OFF)
endif()

include(CPack)
