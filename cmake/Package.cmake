# Install rules and the package processkit presents to its consumers:
#
#   find_package(processkit CONFIG REQUIRED [COMPONENTS core os])
#   add_subdirectory(processkit)          # same target names, as aliases
#   pkg-config --cflags --libs processkit
#
# Each library layer registers itself with one line in its own CMakeLists.txt:
#
#   processkit_component(<name> <target> [DEPENDENCIES <package>...])
#
# which makes it the installed component <name> (target processkit::<name>),
# installs its library and its include/ tree, and adds it to the umbrella
# target processkit::processkit and to processkit.pc. Register a library
# after the ones it links (processkit.pc lists them in reverse), and every
# processkit library another installed one links (install(EXPORT) insists).
# DEPENDENCIES are packages the installed config must find_dependency()
# (one argument per package, e.g. "Qt6 COMPONENTS Core").
#
#   processkit_component(<name> <target> OPTIONAL [DEPENDENCIES <package>...]
#                        [PKG_CONFIG_REQUIRES <module>...])
#
# registers a component that consumers must ask for by name: it stays out of
# processkit::processkit and processkit.pc, its targets go into an export set
# of their own (processkit_<name>Targets.cmake), and the installed config
# looks for its DEPENDENCIES and loads its targets only when
# find_package(processkit COMPONENTS <name>) asks for it — so a consumer that
# does not use it never needs its dependencies. It gets processkit-<name>.pc
# (Requires: processkit and the PKG_CONFIG_REQUIRES modules).
# core/CMakeLists.txt includes this file first, so later directories may
# call processkit_component() without including it again. The top-level
# CMakeLists.txt calls processkit_package() once, after every layer.
# Included by each layer (for its install rules) and by the top level; the
# GNUInstallDirs variables are per directory, hence DIRECTORY.
include_guard(DIRECTORY)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Off when processkit is someone else's subdirectory: their install then
# leaves processkit out unless they ask for it.
option(PROCESSKIT_INSTALL "Generate processkit's install rules" ${PROJECT_IS_TOP_LEVEL})

# Where the guard program goes, relative to the install prefix.
set(PROCESSKIT_GUARD_INSTALL_DIR "${CMAKE_INSTALL_LIBEXECDIR}/processkit")

function(processkit_component name target)
  cmake_parse_arguments(PARSE_ARGV 2 arg "OPTIONAL" "PACKAGE" "DEPENDENCIES;PKG_CONFIG_REQUIRES")
  include(GNUInstallDirs) # for whichever directory calls it
  # PACKAGE: the install component (and so the Debian package, see
  # cmake/Packaging.cmake) that holds this component's files; `dev` unless a
  # component has run-time dependencies of its own that the rest must not get.
  if(NOT arg_PACKAGE)
    set(arg_PACKAGE dev)
  endif()
  set(package "${arg_PACKAGE}")
  set_property(GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_PACKAGE "${package}")
  if(NOT package STREQUAL "dev")
    set_property(GLOBAL APPEND PROPERTY PROCESSKIT_EXTRA_PACKAGES "${package}")
  endif()
  set_property(GLOBAL APPEND PROPERTY PROCESSKIT_COMPONENTS "${name}")
  if(arg_OPTIONAL)
    set_property(GLOBAL APPEND PROPERTY PROCESSKIT_OPTIONAL_COMPONENTS "${name}")
    set_property(GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_TARGET "${target}")
    set_property(GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_DEPENDENCIES ${arg_DEPENDENCIES})
    set_property(GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_PC_REQUIRES
      ${arg_PKG_CONFIG_REQUIRES})
    set(export_set "processkit_${name}Targets")
  else()
    set_property(GLOBAL APPEND PROPERTY PROCESSKIT_COMPONENT_TARGETS "${target}")
    set_property(GLOBAL APPEND PROPERTY PROCESSKIT_DEPENDENCIES ${arg_DEPENDENCIES})
    set(export_set processkitTargets)
  endif()
  set_target_properties(${target} PROPERTIES EXPORT_NAME "${name}")
  processkit_library_settings(${name} ${target} ${package})
  if(PROCESSKIT_INSTALL)
    install(TARGETS ${target} EXPORT ${export_set}
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${package}
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT ${package}
        NAMELINK_COMPONENT ${package}
      RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT ${package})
    # The caller's include/ holds processkit/<layer>/*.hpp (installed once
    # when a directory defines several components).
    get_property(done GLOBAL PROPERTY PROCESSKIT_INSTALLED_INCLUDE_DIRS)
    set(headers "${CMAKE_CURRENT_SOURCE_DIR}/include")
    if(IS_DIRECTORY "${headers}" AND NOT headers IN_LIST done)
      set_property(GLOBAL APPEND PROPERTY PROCESSKIT_INSTALLED_INCLUDE_DIRS "${headers}")
      install(DIRECTORY "${headers}/"
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT ${package}
        FILES_MATCHING PATTERN "*.hpp")
    endif()
  endif()
endfunction()

# Static or shared (BUILD_SHARED_LIBS), every library is built the same way:
# hidden visibility, with the names its headers offer marked by
# PROCESSKIT_<NAME>_EXPORT from the generated processkit/<name>/export.hpp,
# and, when shared, a versioned SONAME (docs/abi.md).
function(processkit_library_settings name target package)
  string(TOUPPER "${name}" upper)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "SHARED_LIBRARY")
    set(PROCESSKIT_EXPORT_SHARED 1)
    set(PROCESSKIT_EXPORT_KIND shared)
  else()
    set(PROCESSKIT_EXPORT_SHARED 0)
    set(PROCESSKIT_EXPORT_KIND static)
  endif()
  set(PROCESSKIT_EXPORT_NAME "${name}")
  set(PROCESSKIT_EXPORT_UPPER "${upper}")
  set(generated "${PROJECT_BINARY_DIR}/generated/${name}/include")
  configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/export.hpp.in"
    "${generated}/processkit/${name}/export.hpp" @ONLY)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${generated}>)
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    DEFINE_SYMBOL PROCESSKIT_BUILDING_${upper}
    VERSION "${PROJECT_VERSION}"
    SOVERSION "${PROCESSKIT_SOVERSION}")
  if(PROCESSKIT_INSTALL)
    install(FILES "${generated}/processkit/${name}/export.hpp"
      DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/processkit/${name}" COMPONENT ${package})
  endif()
endfunction()

# The include directories of an imported target, one link level deep (the
# Debian range-v3::range-v3 only links range-v3, which holds them).
function(processkit_imported_includes target out)
  set(dirs "")
  if(TARGET ${target})
    get_target_property(own ${target} INTERFACE_INCLUDE_DIRECTORIES)
    if(own)
      list(APPEND dirs ${own})
    endif()
    get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
    foreach(link IN LISTS links)
      if(link AND TARGET ${link})
        get_target_property(sub ${link} INTERFACE_INCLUDE_DIRECTORIES)
        if(sub)
          list(APPEND dirs ${sub})
        endif()
      endif()
    endforeach()
  endif()
  list(REMOVE_DUPLICATES dirs)
  set(${out} "${dirs}" PARENT_SCOPE)
endfunction()

function(processkit_package)
  get_property(components GLOBAL PROPERTY PROCESSKIT_COMPONENTS)
  get_property(targets GLOBAL PROPERTY PROCESSKIT_COMPONENT_TARGETS)
  get_property(dependencies GLOBAL PROPERTY PROCESSKIT_DEPENDENCIES)
  list(REMOVE_DUPLICATES dependencies)
  get_property(optional_components GLOBAL PROPERTY PROCESSKIT_OPTIONAL_COMPONENTS)
  set(optional_targets "")
  foreach(name IN LISTS optional_components)
    get_property(target GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_TARGET)
    list(APPEND optional_targets ${target})
  endforeach()

  # processkit::processkit: everything this build has, for both
  # find_package (exported) and add_subdirectory (the alias).
  add_library(processkit_all INTERFACE)
  add_library(processkit::processkit ALIAS processkit_all)
  set_target_properties(processkit_all PROPERTIES EXPORT_NAME processkit)
  target_link_libraries(processkit_all INTERFACE ${targets})

  if(NOT PROCESSKIT_INSTALL)
    return()
  endif()

  # The layers link the warning flags PRIVATE; for a static library CMake
  # still lists that as $<LINK_ONLY:processkit_warnings> in the link
  # interface, which install(EXPORT) would refuse (it is not installed) and
  # which means nothing to a consumer. Keep it in the build tree only.
  foreach(target IN LISTS targets optional_targets)
    get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
    if(links)
      list(TRANSFORM links
        REPLACE "^\\$<LINK_ONLY:processkit_warnings>$"
                "$<BUILD_INTERFACE:$<LINK_ONLY:processkit_warnings>>")
      set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${links}")
    endif()
  endforeach()

  install(TARGETS processkit_all EXPORT processkitTargets COMPONENT dev)
  set(config_dir "${CMAKE_INSTALL_LIBDIR}/cmake/processkit")
  install(EXPORT processkitTargets
    NAMESPACE processkit::
    DESTINATION "${config_dir}" COMPONENT dev)

  # Substituted into processkitConfig.cmake.in.
  set(PROCESSKIT_FIND_DEPENDENCIES "")
  foreach(dep IN LISTS dependencies)
    string(APPEND PROCESSKIT_FIND_DEPENDENCIES "find_dependency(${dep})\n")
  endforeach()
  # Optional components: their dependencies are looked for, and their
  # targets loaded, only when a consumer asks for the component.
  set(PROCESSKIT_OPTIONAL_COMPONENTS_CODE "")
  foreach(name IN LISTS optional_components)
    get_property(package GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_PACKAGE)
    install(EXPORT processkit_${name}Targets
      NAMESPACE processkit::
      DESTINATION "${config_dir}" COMPONENT ${package})
    get_property(deps GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_DEPENDENCIES)
    string(APPEND PROCESSKIT_OPTIONAL_COMPONENTS_CODE
      "if(\"${name}\" IN_LIST processkit_FIND_COMPONENTS)\n"
      "  set(_processkit_missing \"\")\n")
    foreach(dep IN LISTS deps)
      # "<package> [args...]": find_package(<package> QUIET [args...])
      string(REGEX MATCH "^([^ ]+) *(.*)$" unused "${dep}")
      set(dep_name "${CMAKE_MATCH_1}")
      set(dep_args "${CMAKE_MATCH_2}")
      string(APPEND PROCESSKIT_OPTIONAL_COMPONENTS_CODE
        "  if(NOT _processkit_missing)\n"
        "    find_package(${dep_name} QUIET ${dep_args})\n"
        "    if(NOT ${dep_name}_FOUND)\n"
        "      set(_processkit_missing \"${dep_name}\")\n"
        "    endif()\n"
        "  endif()\n")
    endforeach()
    string(APPEND PROCESSKIT_OPTIONAL_COMPONENTS_CODE
      "  if(_processkit_missing)\n"
      "    set(_processkit_why_${name} \"needs \${_processkit_missing}, which was not found\")\n"
      "  else()\n"
      "    include(\"\${CMAKE_CURRENT_LIST_DIR}/processkit_${name}Targets.cmake\")\n"
      "  endif()\n"
      "endif()\n")
  endforeach()
  list(JOIN components " " PROCESSKIT_COMPONENTS)
  list(JOIN optional_components " " PROCESSKIT_OPTIONAL_COMPONENTS_LIST)
  if(NOT PROCESSKIT_OPTIONAL_COMPONENTS_LIST)
    set(PROCESSKIT_OPTIONAL_COMPONENTS_LIST "none in this installation")
  endif()
  configure_package_config_file(
    "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/processkitConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/processkitConfig.cmake"
    INSTALL_DESTINATION "${config_dir}")
  write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/processkitConfigVersion.cmake"
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMajorVersion)
  install(FILES
    "${PROJECT_BINARY_DIR}/processkitConfig.cmake"
    "${PROJECT_BINARY_DIR}/processkitConfigVersion.cmake"
    DESTINATION "${config_dir}" COMPONENT dev)

  # processkit.pc. The prefix is found from the file's own place
  # (${pcfiledir}), so `cmake --install --prefix` elsewhere still works.
  set(pc_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
  if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
    set(PROCESSKIT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
    set(PROCESSKIT_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
    set(PROCESSKIT_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
  else()
    file(RELATIVE_PATH up "/prefix/${pc_dir}" "/prefix")
    string(REGEX REPLACE "/$" "" up "${up}")
    set(PROCESSKIT_PC_PREFIX "\${pcfiledir}/${up}")
    set(PROCESSKIT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
    set(PROCESSKIT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
  endif()
  # Libraries in link order: a layer before the layers it uses.
  set(PROCESSKIT_PC_LIBS "")
  set(reversed ${targets})
  list(REVERSE reversed)
  foreach(target IN LISTS reversed)
    get_target_property(output_name ${target} OUTPUT_NAME)
    if(NOT output_name)
      set(output_name ${target})
    endif()
    string(APPEND PROCESSKIT_PC_LIBS " -l${output_name}")
  endforeach()
  # range-v3 (header-only): Debian's package ships no range-v3.pc, so
  # Requires only where one exists; otherwise its include directory goes
  # into Cflags unless the compiler searches it anyway (/usr/include).
  set(PROCESSKIT_PC_REQUIRES "")
  set(PROCESSKIT_PC_EXTRA_CFLAGS "")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(PROCESSKIT_PC_RANGE_V3 QUIET range-v3)
  endif()
  if(PROCESSKIT_PC_RANGE_V3_FOUND)
    set(PROCESSKIT_PC_REQUIRES "range-v3")
  else()
    processkit_imported_includes(range-v3::range-v3 range_includes)
    foreach(dir IN LISTS range_includes)
      if(NOT dir IN_LIST CMAKE_CXX_IMPLICIT_INCLUDE_DIRECTORIES)
        string(APPEND PROCESSKIT_PC_EXTRA_CFLAGS " -I${dir}")
      endif()
    endforeach()
  endif()
  configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/processkit.pc.in"
    "${PROJECT_BINARY_DIR}/processkit.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/processkit.pc" DESTINATION "${pc_dir}" COMPONENT dev)
  # processkit-<name>.pc for each optional component, on top of processkit.pc.
  foreach(name IN LISTS optional_components)
    get_property(target GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_TARGET)
    get_property(pc_requires GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_PC_REQUIRES)
    get_target_property(output_name ${target} OUTPUT_NAME)
    if(NOT output_name)
      set(output_name ${target})
    endif()
    set(PROCESSKIT_PC_COMPONENT "${name}")
    set(PROCESSKIT_PC_COMPONENT_REQUIRES "processkit")
    foreach(module IN LISTS pc_requires)
      string(APPEND PROCESSKIT_PC_COMPONENT_REQUIRES " ${module}")
    endforeach()
    set(PROCESSKIT_PC_COMPONENT_LIBS " -l${output_name}")
    configure_file("${CMAKE_CURRENT_FUNCTION_LIST_DIR}/processkit-component.pc.in"
      "${PROJECT_BINARY_DIR}/processkit-${name}.pc" @ONLY)
    get_property(package GLOBAL PROPERTY PROCESSKIT_COMPONENT_${name}_PACKAGE)
    install(FILES "${PROJECT_BINARY_DIR}/processkit-${name}.pc" DESTINATION "${pc_dir}"
      COMPONENT ${package})
  endforeach()
endfunction()
