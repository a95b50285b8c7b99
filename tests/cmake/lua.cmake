# SPDX-License-Identifier: MIT
# The Lua binding's tests: the busted specs (lua.specs) and the embedding programs in C
# (lua.threads: two lua_States in two threads; lua.interrupt: the host's interrupt flag;
# lua.oom: allocation failures at every step of a call; lua.sched_interrupt: the flag stopping
# a pool's wait and a host's loop of pool:step; lua.sched_oom: allocation failures in pools).
if(NOT TARGET appmesh_lua OR NOT TARGET appmesh_lua_module)
  return()
endif()

find_program(APPMESH_LUA54 NAMES lua5.4 REQUIRED)
find_program(APPMESH_BUSTED NAMES busted REQUIRED)
set(APPMESH_PYTHON /usr/bin/python3)

# The specs must not pick up the machine's AWS settings: drop them, point the shared files at
# nothing, and keep the credential chain off the network.
set(APPMESH_LUA_CLEAN_ENV
  -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE -u AWS_ACCESS_KEY_ID
  -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL
  -u AWS_ENDPOINT_URL_APP_MESH -u AWS_MAX_ATTEMPTS -u AWS_RETRY_MODE -u AWS_CA_BUNDLE
  -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u APPMESH_LOG
  AWS_CONFIG_FILE=/nonexistent/appmesh-test-config
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent/appmesh-test-credentials
  AWS_EC2_METADATA_DISABLED=true
  APPMESH_BUILD=${CMAKE_BINARY_DIR})

# With sanitizers the module needs the ASan runtime loaded first into the (plain) lua5.4;
# the specs take it off again for python3 (see helpers.lua).
set(APPMESH_LUA_PRELOAD)
if(APPMESH_SANITIZE)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(APPMESH_ASAN_RUNTIME libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  else()
    set(APPMESH_ASAN_RUNTIME libasan.so)
  endif()
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${APPMESH_ASAN_RUNTIME}
    OUTPUT_VARIABLE APPMESH_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(APPMESH_LUA_PRELOAD LD_PRELOAD=${APPMESH_LIBASAN})
endif()

add_test(NAME lua.specs
  COMMAND env ${APPMESH_LUA_CLEAN_ENV} ${APPMESH_LUA_PRELOAD}
    ${APPMESH_LUA54} ${APPMESH_BUSTED} --cpath=${CMAKE_BINARY_DIR}/?.so
    --exclude-pattern=^integration_ --exclude-pattern=^scripts_
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties(lua.specs PROPERTIES TIMEOUT 300)

find_package(Threads REQUIRED)
foreach(prog threads interrupt oom sched_interrupt sched_oom)
  add_executable(test_lua_${prog} ${CMAKE_SOURCE_DIR}/tests/lua/programs/test_${prog}.c)
  target_compile_definitions(test_lua_${prog} PRIVATE _POSIX_C_SOURCE=200809L
    APPMESH_PYTHON="${APPMESH_PYTHON}"
    APPMESH_RESPONDER="${CMAKE_SOURCE_DIR}/tests/lua/programs/responder.py")
  target_include_directories(test_lua_${prog} PRIVATE ${CMAKE_SOURCE_DIR}/tests/lua/programs)
  target_link_libraries(test_lua_${prog} PRIVATE appmesh_lua Threads::Threads)
  add_test(NAME lua.${prog}
    COMMAND env ${APPMESH_LUA_CLEAN_ENV} $<TARGET_FILE:test_lua_${prog}>
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(lua.${prog} PROPERTIES TIMEOUT 120)
endforeach()
