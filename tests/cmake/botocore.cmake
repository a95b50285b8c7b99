# SPDX-License-Identifier: MIT
# Serialisation and parsing of every operation checked against botocore (Debian's
# python3-botocore), an implementation we did not write: tests/botocore/compare.py drives
# opcall_tool and botocore over the same generated inputs and outputs.
add_executable(opcall_tool ${CMAKE_SOURCE_DIR}/tests/botocore/opcall_tool.c)
target_include_directories(opcall_tool PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
target_compile_definitions(opcall_tool PRIVATE _POSIX_C_SOURCE=200809L)
target_link_libraries(opcall_tool PRIVATE appmesh_static)
add_test(NAME core.botocore
  COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/botocore/compare.py $<TARGET_FILE:opcall_tool>
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
