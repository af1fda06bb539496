# arrows.cmake: the modules' one-way arrows (README, "Layout"), enforced:
#
#   cli -> net -> {index, matcher} -> core
#   cli -> demo -> core
#
# (the matcher proper is pure C with no I/O and depends on nothing; its loader,
# matcher/records.c, reads core records). Two checks:
#   - at configure time, eccpd_forbid(TARGET LIB...) stops when TARGET links one of LIBs,
#     directly or through another library (the top-level CMakeLists.txt lists the rules);
#   - at build time (target eccpd_arrows, rerun when a source changes), this file in script
#     mode (cmake -DROOT=DIR -P arrows.cmake) stops the build when a module's source
#     includes a header of a module it may not use, e.g. core/x.c including "demo/demo.h".

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_minimum_required(VERSION 3.18) # IN_LIST
  # module: the modules whose headers its files may include
  set(rules "core:core" "matcher:matcher" "index:index|core" "demo:demo|core"
            "net:net|index|matcher|core" "cli:cli|net|demo|index|matcher|core")
  set(bad "")
  foreach(rule IN LISTS rules)
    string(REPLACE ":" ";" parts "${rule}")
    list(GET parts 0 module)
    list(GET parts 1 allowed)
    string(REPLACE "|" ";" allowed "${allowed}")
    file(GLOB_RECURSE files ${ROOT}/${module}/*.c ${ROOT}/${module}/*.cc ${ROOT}/${module}/*.h)
    foreach(f IN LISTS files)
      set(ok ${allowed})
      if(f MATCHES "/matcher/(event_)?records\\.[ch]$")
        list(APPEND ok core) # the matcher's loaders (registrations, events) read core records
      endif()
      file(STRINGS ${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[a-z_]+/")
      foreach(line IN LISTS lines)
        string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([a-z_]+)/.*" "\\1" used "${line}")
        if(used MATCHES "^(core|matcher|index|demo|net|cli)$" AND NOT used IN_LIST ok)
          file(RELATIVE_PATH rel ${ROOT} ${f})
          string(APPEND bad "\n  ${rel}: ${line}  (${module} may use ${allowed})")
        endif()
      endforeach()
    endforeach()
  endforeach()
  if(bad)
    message(FATAL_ERROR "Includes against the modules' arrows "
                        "(cli -> net -> {index, matcher} -> core; cli -> demo -> core):${bad}")
  endif()
  return()
endif()

# eccpd_link_closure(TARGET OUT): every target TARGET links, directly or not.
function(eccpd_link_closure target out)
  set(seen "")
  set(todo ${target})
  while(todo)
    list(POP_FRONT todo t)
    if(NOT TARGET ${t} OR t IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${t})
    get_target_property(libs ${t} LINK_LIBRARIES)
    get_target_property(ilibs ${t} INTERFACE_LINK_LIBRARIES)
    foreach(l IN LISTS libs ilibs)
      if(l AND NOT l MATCHES "-NOTFOUND$")
        list(APPEND todo ${l})
      endif()
    endforeach()
  endwhile()
  list(REMOVE_ITEM seen ${target})
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

# eccpd_forbid(TARGET LIB...): stops the configure step when TARGET links one of LIBs.
function(eccpd_forbid target)
  eccpd_link_closure(${target} reach)
  foreach(lib IN LISTS ARGN)
    if(lib IN_LIST reach)
      message(FATAL_ERROR "${target} links ${lib}, against the modules' arrows "
                          "(cli -> net -> {index, matcher} -> core; cli -> demo -> core)")
    endif()
  endforeach()
endfunction()

# eccpd_arrows_check_includes(): the build-time include check, as the target eccpd_arrows.
function(eccpd_arrows_check_includes)
  set(sources "")
  foreach(module core matcher index demo net cli)
    file(GLOB_RECURSE found CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${module}/*.c
         ${PROJECT_SOURCE_DIR}/${module}/*.cc ${PROJECT_SOURCE_DIR}/${module}/*.h)
    list(APPEND sources ${found})
  endforeach()
  set(stamp ${PROJECT_BINARY_DIR}/arrows.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/arrows.cmake
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${sources} ${PROJECT_SOURCE_DIR}/cmake/arrows.cmake
    COMMENT "Checking the modules' includes against their arrows" VERBATIM)
  add_custom_target(eccpd_arrows ALL DEPENDS ${stamp})
endfunction()
