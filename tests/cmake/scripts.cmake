# SPDX-License-Identifier: MIT
# The operator scripts' tests: scripts.unit (busted specs of the pure-Lua modules in scripts/lib,
# offline) and scripts.integration (bulk_update, dry_run and policy_check run against the local
# emulator: faults, SIGKILL and --resume, rollback, progress on a pseudo-terminal).
if(NOT TARGET appmesh_lua_module)
  return()
endif()

find_program(APPMESH_SCRIPTS_LUA54 NAMES lua5.4 REQUIRED)
find_program(APPMESH_SCRIPTS_BUSTED NAMES busted REQUIRED)

# No AWS settings from the machine: the specs set what each run needs.
set(APPMESH_SCRIPTS_ENV
  -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE -u AWS_ACCESS_KEY_ID
  -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL
  -u AWS_ENDPOINT_URL_APP_MESH -u AWS_MAX_ATTEMPTS -u AWS_RETRY_MODE -u AWS_CA_BUNDLE
  -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u APPMESH_LOG -u LUA_PATH -u LUA_CPATH
  AWS_CONFIG_FILE=/nonexistent/appmesh-test-config
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent/appmesh-test-credentials
  AWS_EC2_METADATA_DISABLED=true
  APPMESH_BUILD=${CMAKE_BINARY_DIR})

# With sanitizers the module needs the ASan runtime loaded first into the (plain) lua5.4; the
# specs take it off again for python3.
set(APPMESH_SCRIPTS_PRELOAD)
if(APPMESH_SANITIZE)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(APPMESH_SCRIPTS_ASAN libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  else()
    set(APPMESH_SCRIPTS_ASAN libasan.so)
  endif()
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${APPMESH_SCRIPTS_ASAN}
    OUTPUT_VARIABLE APPMESH_SCRIPTS_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(APPMESH_SCRIPTS_PRELOAD LD_PRELOAD=${APPMESH_SCRIPTS_LIBASAN})
endif()

add_test(NAME scripts.unit
  COMMAND env ${APPMESH_SCRIPTS_ENV} ${APPMESH_SCRIPTS_PRELOAD}
    ${APPMESH_SCRIPTS_LUA54} ${APPMESH_SCRIPTS_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
    --pattern=^scripts_.*_spec --exclude-pattern=^scripts_integration tests/lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(scripts.unit PROPERTIES TIMEOUT 60)

if(EXISTS ${CMAKE_SOURCE_DIR}/tests/emulator/appmesh_emulator.py)
  add_test(NAME scripts.integration
    COMMAND env ${APPMESH_SCRIPTS_ENV} ${APPMESH_SCRIPTS_PRELOAD}
      ${APPMESH_SCRIPTS_LUA54} ${APPMESH_SCRIPTS_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
      --pattern=^scripts_integration_spec tests/lua
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(scripts.integration PROPERTIES TIMEOUT 240)
endif()
