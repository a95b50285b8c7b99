# SPDX-License-Identifier: MIT
# Integration: the client, the C example and the demo against the local App Mesh emulator, each
# tests/lua/integration_<name>_spec.lua its own CTest integration.<name> (busted under lua5.4,
# every suite starting its own emulator on a free loopback port and stopping it).
if(NOT TARGET appmesh_lua_module)
  return()
endif()

find_program(APPMESH_INTEGRATION_LUA54 NAMES lua5.4 REQUIRED)
find_program(APPMESH_INTEGRATION_BUSTED NAMES busted REQUIRED)
find_program(APPMESH_INTEGRATION_CURL NAMES curl REQUIRED)
find_program(APPMESH_INTEGRATION_SETPRIV NAMES setpriv REQUIRED)

# Nothing from the machine's AWS set-up may leak in (lua.cmake's list), and no proxy is used.
set(APPMESH_INTEGRATION_ENV
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
  APPMESH_INTEGRATION=1)

# Under the sanitizers the (plain) lua5.4 needs the ASan runtime preloaded for appmesh.so;
# the specs take it off again for every child (python3, curl, sh), and hand it to the demo
# script as APPMESH_DEMO_PRELOAD for its Lua host alone.
if(APPMESH_SANITIZE)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(APPMESH_INTEGRATION_ASAN libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  else()
    set(APPMESH_INTEGRATION_ASAN libasan.so)
  endif()
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${APPMESH_INTEGRATION_ASAN}
    OUTPUT_VARIABLE APPMESH_INTEGRATION_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  list(APPEND APPMESH_INTEGRATION_ENV LD_PRELOAD=${APPMESH_INTEGRATION_LIBASAN})
endif()

file(GLOB APPMESH_INTEGRATION_SPECS CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/tests/lua/integration_*_spec.lua)
foreach(spec ${APPMESH_INTEGRATION_SPECS})
  get_filename_component(name ${spec} NAME_WE)
  string(REGEX REPLACE "^integration_(.*)_spec$" "\\1" name ${name})
  add_test(NAME integration.${name}
    COMMAND env ${APPMESH_INTEGRATION_ENV}
      ${APPMESH_INTEGRATION_LUA54} ${APPMESH_INTEGRATION_BUSTED}
      --cpath=${CMAKE_BINARY_DIR}/?.so ${spec}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(integration.${name} PROPERTIES TIMEOUT 120 LABELS integration)
endforeach()
