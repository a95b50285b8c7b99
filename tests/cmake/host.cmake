# SPDX-License-Identifier: MIT
# appmesh-lua and the installed layout: host.cli (options, exit codes, module paths, the REPL
# on a pipe), host.repl (the REPL on a real pseudo-terminal), host.install (cmake --install,
# embedding through pkg-config, the installed appmesh-lua). Python is Debian's, stdlib only.
if(NOT TARGET appmesh-lua)
  return() # the Lua binding is not there yet
endif()

set(APPMESH_HOST_PYTHON /usr/bin/python3)
set(APPMESH_HOST_TEST_ARGS --exe $<TARGET_FILE:appmesh-lua>
  --source-dir ${CMAKE_SOURCE_DIR} --binary-dir ${CMAKE_BINARY_DIR})
if(APPMESH_SANITIZE)
  list(APPEND APPMESH_HOST_TEST_ARGS --sanitize)
endif()

add_test(NAME host.cli
  COMMAND ${APPMESH_HOST_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/host/host_cli_test.py
    ${APPMESH_HOST_TEST_ARGS}
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
if(APPMESH_WITH_LIBEDIT)
  set(APPMESH_HOST_REPL_ARGS)
else()
  set(APPMESH_HOST_REPL_ARGS --no-libedit)
endif()
add_test(NAME host.repl
  COMMAND ${APPMESH_HOST_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/host/repl_test.py
    ${APPMESH_HOST_TEST_ARGS} ${APPMESH_HOST_REPL_ARGS}
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
add_test(NAME host.install
  COMMAND ${APPMESH_HOST_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/host/host_install_test.py
    ${APPMESH_HOST_TEST_ARGS} --cmake ${CMAKE_COMMAND} --cc ${CMAKE_C_COMPILER}
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
# The test programs need the executables built; ctest does not build them itself.
set_tests_properties(host.cli host.repl host.install PROPERTIES TIMEOUT 300)

# appmesh-scm-1.rockspec through `luarocks make` into a temporary tree (offline), when the
# luarocks package is installed.
find_program(APPMESH_LUAROCKS luarocks)
if(APPMESH_LUAROCKS)
  add_test(NAME host.luarocks
    COMMAND ${APPMESH_HOST_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/host/host_luarocks_test.py
      --source-dir ${CMAKE_SOURCE_DIR} --luarocks ${APPMESH_LUAROCKS}
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(host.luarocks PROPERTIES TIMEOUT 1800)
endif()
