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

# The specs must not pick up the machine's AWS settings (test_env.cmake); under the sanitizers
# the ASan runtime is preloaded for lua5.4.
add_test(NAME lua.specs
  COMMAND env ${APPMESH_TEST_ENV} ${APPMESH_TEST_PRELOAD}
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
    COMMAND env ${APPMESH_TEST_ENV} $<TARGET_FILE:test_lua_${prog}>
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(lua.${prog} PROPERTIES TIMEOUT 120)
endforeach()
