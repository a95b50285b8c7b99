# SPDX-License-Identifier: MIT
# bench_lua (not a test): the Lua converter's cost per call; `make bench` runs it from build-bench.
if(NOT TARGET appmesh_lua)
  return()
endif()
# Until every core module has landed, programs linking libappmesh cannot link yet.
set(APPMESH_CORE_COMPLETE ON)
foreach(m client model sigv4 json config credentials endpoint crypto_mbedtls rest)
  if(NOT EXISTS ${CMAKE_SOURCE_DIR}/core/src/${m}.c)
    set(APPMESH_CORE_COMPLETE OFF)
  endif()
endforeach()
if(NOT APPMESH_CORE_COMPLETE)
  message(STATUS "${CMAKE_CURRENT_LIST_FILE}: core incomplete, Lua binding tests skipped")
  return()
endif()

add_executable(bench_lua ${CMAKE_SOURCE_DIR}/tests/bench/bench_lua.c)
target_compile_definitions(bench_lua PRIVATE _POSIX_C_SOURCE=200809L)
target_include_directories(bench_lua PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
target_link_libraries(bench_lua PRIVATE appmesh_lua)
