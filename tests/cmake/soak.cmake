# SPDX-License-Identifier: MIT
# soak: tests/lua/soak_spec.lua, calls through appmesh.map against the emulator with 5% random
# faults (every call accounted for, RSS flat after warm-up). 5,000 calls in make test; `make soak`
# runs the same test with APPMESH_SOAK=20000.
if(NOT TARGET appmesh_lua_module OR NOT EXISTS ${CMAKE_SOURCE_DIR}/tests/emulator/appmesh_emulator.py)
  return()
endif()

find_program(APPMESH_SOAK_LUA54 NAMES lua5.4 REQUIRED)
find_program(APPMESH_SOAK_BUSTED NAMES busted REQUIRED)

# As integration.cmake: nothing from the machine's AWS set-up, no proxy.
set(APPMESH_SOAK_ENV
  -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE -u AWS_ACCESS_KEY_ID
  -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL
  -u AWS_ENDPOINT_URL_APP_MESH -u AWS_MAX_ATTEMPTS -u AWS_RETRY_MODE -u AWS_CA_BUNDLE
  -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u APPMESH_LOG
  AWS_CONFIG_FILE=/nonexistent/appmesh-test-config
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent/appmesh-test-credentials
  AWS_EC2_METADATA_DISABLED=true
  no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1
  APPMESH_BUILD=${CMAKE_BINARY_DIR}
  APPMESH_INTEGRATION=1
  APPMESH_SOAK_DEFAULT=5000)

if(APPMESH_SANITIZE)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(APPMESH_SOAK_ASAN libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  else()
    set(APPMESH_SOAK_ASAN libasan.so)
  endif()
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${APPMESH_SOAK_ASAN}
    OUTPUT_VARIABLE APPMESH_SOAK_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND APPMESH_SOAK_ENV LD_PRELOAD=${APPMESH_SOAK_LIBASAN})
endif()

# ASan keeps up to 256 MiB of freed memory in quarantine, which RSS would show as growth: cap it
# at 16 MiB, after any ASAN_OPTIONS the caller set (later options win).
add_test(NAME soak
  COMMAND sh -c "ASAN_OPTIONS=\"\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}quarantine_size_mb=16\" exec \"\$@\""
    soak env ${APPMESH_SOAK_ENV}
    ${APPMESH_SOAK_LUA54} ${APPMESH_SOAK_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
    tests/lua/soak_spec.lua
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(soak PROPERTIES TIMEOUT 600 LABELS soak)
