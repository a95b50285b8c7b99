# SPDX-License-Identifier: MIT
# The helper program of the credential rows of tests/lua/integration_fault_matrix_spec.lua
# (CTest integration.fault_matrix): assumed-role credentials expiring, or refused as expired,
# on a clock shared by the client and the emulator, through both drivers.
add_executable(fault_creds ${CMAKE_SOURCE_DIR}/tests/lua/programs/fault_creds.c)
target_compile_definitions(fault_creds PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(fault_creds PRIVATE appmesh_static)
