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

# Nothing from the machine's AWS set-up may leak in, and no proxy is used (test_env.cmake). Under
# the sanitizers the (plain) lua5.4 needs the ASan runtime preloaded for appmesh.so; the specs take
# it off again for every child (python3, curl, sh), and hand it to the demo script as
# APPMESH_DEMO_PRELOAD for its Lua host alone.
set(APPMESH_INTEGRATION_ENV ${APPMESH_TEST_ENV} ${APPMESH_TEST_NO_PROXY} APPMESH_INTEGRATION=1
  ${APPMESH_TEST_PRELOAD})

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
