# Debian packages with CPack's DEB generator (README "Debian packages"):
#
#   cmake --preset package && cmake --build --preset package
#   cpack --preset package          # build/package/*.deb
#
# makes a package per install component:
#   libprocesskit-dev     (component dev) headers, libraries, the CMake
#                         package, processkit.pc and the owner-death guard in
#                         libexec/processkit
#   libprocesskit-qt-dev  (component qt, when Qt 6 was found) the Qt adapter:
#                         its headers, library, CMake targets and
#                         processkit-qt.pc; the only package that needs Qt
#   pk                    (component pk) the tool, its man page, bash completion
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
get_property(processkit_extra_packages GLOBAL PROPERTY PROCESSKIT_EXTRA_PACKAGES)
set(CPACK_COMPONENTS_ALL dev pk ${processkit_extra_packages})
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON) # libc6, libstdc++6 ... from the binaries
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS OFF)

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libprocesskit-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# range-v3 is in the public headers; Asio only for the asio component's
# headers (header-only, nothing to link), so it is suggested, not required.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "librange-v3-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "libasio-dev")
if("qt" IN_LIST processkit_extra_packages)
  set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "libasio-dev, libprocesskit-qt-dev")
endif()
string(CONCAT CPACK_COMPONENT_DEV_DESCRIPTION
  "C++20 library for child processes that never outlive their owner\n"
  "Each child and everything it spawns runs in a kernel container (a cgroup v2,\n"
  "or a process group) killed as a unit when its owner lets go: after a\n"
  "timeout, an exception or the owner's own death. Output is captured without\n"
  "deadlocks and the tree's CPU, memory and process count are measured.\n"
  "This package holds the headers, the libraries (blocking API and Asio\n"
  "adapter), the CMake package, processkit.pc and the owner-death guard.")

set(CPACK_DEBIAN_QT_PACKAGE_NAME libprocesskit-qt-dev)
set(CPACK_DEBIAN_QT_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_QT_PACKAGE_DEPENDS
  "libprocesskit-dev (= ${PROJECT_VERSION}), qt6-base-dev")
string(CONCAT CPACK_COMPONENT_QT_DESCRIPTION
  "Qt 6 adapter for processkit (contained child processes)\n"
  "processkit::qt::Process and its pipeline and supervisor counterparts run\n"
  "contained child processes on a Qt event loop and report output lines,\n"
  "statistics samples and the result as signals. Headers, library, CMake\n"
  "targets (find_package(processkit COMPONENTS qt)) and processkit-qt.pc.")

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
  # Likewise for the Qt adapter's libprocesskit_qt.so.* (it links
  # libprocesskit_driver.so.*): qt6-base-dev brings libqt6core6.
  set(CPACK_DEBIAN_QT_PACKAGE_SHLIBDEPS OFF)
endif()

include(CPack)
