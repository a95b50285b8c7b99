# SPDX-License-Identifier: MIT
# Fuzz targets: each tests/fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput. In the normal
# build each is linked with tests/fuzz/replay.c into fuzz_replay_<target>, and the CTest
# fuzz.<target> replays the checked-in corpus tests/fuzz/corpus/<target>. With
# -DAPPMESH_FUZZ=ON (clang; `make fuzz` configures build-fuzz so) each is linked with libFuzzer
# into <build>/fuzz/fuzz_<target> instead, and tests/fuzz/run.sh runs them.
option(APPMESH_FUZZ "Link the fuzz targets with libFuzzer (clang -fsanitize=fuzzer)" OFF)

file(GLOB APPMESH_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
# Targets that embed Lua (the manifest loader, the Lua table converter) need the binding.
set(APPMESH_FUZZ_LUA_TARGETS manifest lua_table)

if(APPMESH_FUZZ)
  add_custom_target(fuzz_targets)
endif()

foreach(src ${APPMESH_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" target ${name})
  list(FIND APPMESH_FUZZ_LUA_TARGETS ${target} lua_index)
  if(lua_index GREATER -1 AND NOT TARGET appmesh_lua)
    continue()
  endif()

  if(APPMESH_FUZZ)
    set(exe fuzz_${target})
    add_executable(${exe} ${src})
    target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
    target_compile_definitions(${exe} PRIVATE APPMESH_FUZZING)
    set_target_properties(${exe} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
    add_dependencies(fuzz_targets ${exe})
  else()
    set(exe fuzz_replay_${target})
    add_executable(${exe} ${src} ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.c)
    add_test(NAME fuzz.${target}
      COMMAND ${exe} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${target}
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests)
    set_tests_properties(fuzz.${target} PROPERTIES TIMEOUT 120 LABELS fuzz)
  endif()
  target_include_directories(${exe} PRIVATE ${CMAKE_SOURCE_DIR}/core/src
    ${CMAKE_SOURCE_DIR}/tests/fuzz)
  target_compile_definitions(${exe} PRIVATE _POSIX_C_SOURCE=200809L
    APPMESH_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  if(lua_index GREATER -1)
    target_include_directories(${exe} PRIVATE ${CMAKE_SOURCE_DIR}/bindings/lua)
    target_link_libraries(${exe} PRIVATE appmesh_lua ${CMAKE_DL_LIBS})
  else()
    target_link_libraries(${exe} PRIVATE appmesh_static)
  endif()
endforeach()
