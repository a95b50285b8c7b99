# SPDX-License-Identifier: MIT
# The helper program of tests/lua/integration_creds_spec.lua (CTest integration.creds): updates
# against the emulator on a fast clock, so that temporary credentials expire mid-run.
add_executable(creds_expiry ${CMAKE_SOURCE_DIR}/tests/lua/programs/creds_expiry.c)
target_compile_definitions(creds_expiry PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(creds_expiry PRIVATE appmesh_static)
