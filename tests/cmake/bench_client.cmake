# SPDX-License-Identifier: MIT
# make bench: the whole client path without I/O (not a test).
add_executable(bench_client ${CMAKE_CURRENT_SOURCE_DIR}/bench/bench_client.c)
target_include_directories(bench_client PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
target_compile_definitions(bench_client PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(bench_client PRIVATE appmesh_static)
