# SPDX-License-Identifier: MIT
# bench_lua (not a test): the Lua converter's cost per call; `make bench` runs it from build-bench.
if(NOT TARGET appmesh_lua)
  return()
endif()
add_executable(bench_lua ${CMAKE_SOURCE_DIR}/tests/bench/bench_lua.c)
target_compile_definitions(bench_lua PRIVATE _POSIX_C_SOURCE=200809L)
target_include_directories(bench_lua PRIVATE ${CMAKE_SOURCE_DIR}/core/src ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(bench_lua PRIVATE appmesh_lua ${MBEDCRYPTO_LIBRARY})
