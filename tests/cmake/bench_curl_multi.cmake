# SPDX-License-Identifier: MIT
# make bench (not tests): what tests/bench/bench_concurrent.sh runs beside appmesh.map: the plain
# libcurl multi loop, appmesh_batch driven from C (the binding's cost apart from the core's) and
# the fallback loopback HTTP server. They live in bench-tools/, not tests/, because
# tests/bench/run.sh runs every tests/bench_* executable without arguments.
add_executable(bench_curl_multi ${CMAKE_SOURCE_DIR}/tests/bench/bench_curl_multi.c)
target_compile_definitions(bench_curl_multi PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_curl_multi PRIVATE PkgConfig::CURL)

add_executable(bench_batch_loop ${CMAKE_SOURCE_DIR}/tests/bench/bench_batch_loop.c)
target_compile_definitions(bench_batch_loop PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_batch_loop PRIVATE appmesh_static)

add_executable(bench_http_server ${CMAKE_SOURCE_DIR}/tests/bench/bench_http_server.c)
target_compile_definitions(bench_http_server PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)

set_target_properties(bench_curl_multi bench_batch_loop bench_http_server PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench-tools)
