# SPDX-License-Identifier: MIT
# make bench (not tests): the plain libcurl multi loop and the fallback loopback HTTP server that
# tests/bench/bench_concurrent.sh runs. They live in bench-tools/, not tests/, because run.sh
# runs every tests/bench_* executable without arguments.
add_executable(bench_curl_multi ${CMAKE_SOURCE_DIR}/tests/bench/bench_curl_multi.c)
target_compile_definitions(bench_curl_multi PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_curl_multi PRIVATE PkgConfig::CURL)
add_executable(bench_http_server ${CMAKE_SOURCE_DIR}/tests/bench/bench_http_server.c)
target_compile_definitions(bench_http_server PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
set_target_properties(bench_curl_multi bench_http_server PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench-tools)
