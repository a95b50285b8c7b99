# SPDX-License-Identifier: MIT
# soak: tests/lua/soak_spec.lua, calls through appmesh.map against the emulator with 5% random
# faults (every call accounted for, RSS flat after warm-up). 5,000 calls in make test; `make soak`
# runs the same test with APPMESH_SOAK=20000.
if(NOT TARGET appmesh_lua_module OR NOT EXISTS ${CMAKE_SOURCE_DIR}/tests/emulator/appmesh_emulator.py)
  return()
endif()

find_program(APPMESH_SOAK_LUA54 NAMES lua5.4 REQUIRED)
find_program(APPMESH_SOAK_BUSTED NAMES busted REQUIRED)

# As integration.cmake: nothing from the machine's AWS set-up, no proxy (test_env.cmake).
set(APPMESH_SOAK_ENV ${APPMESH_TEST_ENV} ${APPMESH_TEST_NO_PROXY} APPMESH_INTEGRATION=1
  APPMESH_SOAK_DEFAULT=5000 ${APPMESH_TEST_PRELOAD})

# ASan keeps up to 256 MiB of freed memory in quarantine, which RSS would show as growth: cap it
# at 16 MiB, after any ASAN_OPTIONS the caller set (later options win).
add_test(NAME soak
  COMMAND sh -c "ASAN_OPTIONS=\"\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}quarantine_size_mb=16\" exec \"\$@\""
    soak env ${APPMESH_SOAK_ENV}
    ${APPMESH_SOAK_LUA54} ${APPMESH_SOAK_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
    tests/lua/soak_spec.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(soak PROPERTIES TIMEOUT 600 LABELS soak)
