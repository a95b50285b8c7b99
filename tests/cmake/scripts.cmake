# SPDX-License-Identifier: MIT
# The operator scripts' tests: scripts.unit (busted specs of the pure-Lua modules in scripts/lib,
# offline) and scripts.integration (bulk_update, dry_run and policy_check run against the local
# emulator: faults, SIGKILL and --resume, rollback, progress on a pseudo-terminal).
if(NOT TARGET appmesh_lua_module)
  return()
endif()

find_program(APPMESH_SCRIPTS_LUA54 NAMES lua5.4 REQUIRED)
find_program(APPMESH_SCRIPTS_BUSTED NAMES busted REQUIRED)

# No AWS settings from the machine (test_env.cmake), no LUA_PATH: the specs set what each run
# needs. Under the sanitizers the ASan runtime is preloaded.
set(APPMESH_SCRIPTS_ENV -u LUA_PATH -u LUA_CPATH ${APPMESH_TEST_ENV})

add_test(NAME scripts.unit
  COMMAND env ${APPMESH_SCRIPTS_ENV} ${APPMESH_TEST_PRELOAD}
    ${APPMESH_SCRIPTS_LUA54} ${APPMESH_SCRIPTS_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
    --pattern=^scripts_.*_spec --exclude-pattern=^scripts_integration tests/lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(scripts.unit PROPERTIES TIMEOUT 60)

if(EXISTS ${CMAKE_SOURCE_DIR}/tests/emulator/appmesh_emulator.py)
  add_test(NAME scripts.integration
    COMMAND env ${APPMESH_SCRIPTS_ENV} ${APPMESH_TEST_PRELOAD}
      ${APPMESH_SCRIPTS_LUA54} ${APPMESH_SCRIPTS_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
      --pattern=^scripts_integration_spec tests/lua
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(scripts.integration PROPERTIES TIMEOUT 240)
endif()
