# SPDX-License-Identifier: MIT
# make bench (not tests): what tests/bench/bench_sequential.sh and bench_concurrent.sh run beside
# the Lua calls: the plain libcurl loops (the baselines) and libappmesh driven from C (the
# binding's cost apart from the core's). They live in bench-tools/, not tests/, because
# tests/bench/run.sh runs every tests/bench_* executable without arguments.
add_executable(bench_curl_loop ${CMAKE_SOURCE_DIR}/tests/bench/bench_curl_loop.c)
target_compile_definitions(bench_curl_loop PRIVATE _POSIX_C_SOURCE=200809L)
target_include_directories(bench_curl_loop PRIVATE ${MBEDTLS_INCLUDE_DIR})
# floor mode: the signing floor (sigv4_floor.h, which takes its canonical request from libappmesh's
# signer once at start) and cJSON's parse, done in the loop
target_link_libraries(bench_curl_loop PRIVATE appmesh_static PkgConfig::CURL PkgConfig::CJSON
  ${MBEDCRYPTO_LIBRARY})

add_executable(bench_appmesh_loop ${CMAKE_SOURCE_DIR}/tests/bench/bench_appmesh_loop.c)
target_compile_definitions(bench_appmesh_loop PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_appmesh_loop PRIVATE appmesh_static)

set_target_properties(bench_curl_loop bench_appmesh_loop PROPERTIES
  RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench-tools)

# The parse floor of bench_concurrent.sh: cJSON parsing and freeing the loopback server's answer.
add_executable(bench_parse_floor ${CMAKE_SOURCE_DIR}/tests/bench/bench_parse_floor.c)
target_compile_definitions(bench_parse_floor PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_parse_floor PRIVATE PkgConfig::CJSON)
set_target_properties(bench_parse_floor PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench-tools)
