# SPDX-License-Identifier: MIT
# The SigV4 benchmark: built with everything, run by `make bench` (tests/bench/run.sh), never by CTest.
add_executable(bench_sigv4 ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_sigv4.c)
target_include_directories(bench_sigv4 PRIVATE ${CMAKE_SOURCE_DIR}/core/src ${MBEDTLS_INCLUDE_DIR})
target_compile_definitions(bench_sigv4 PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_sigv4 PRIVATE appmesh_static ${MBEDCRYPTO_LIBRARY})
