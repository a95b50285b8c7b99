# SPDX-License-Identifier: MIT
# The local App Mesh emulator's self-test: Debian's python3 with python3-botocore and the openssl CLI.
add_test(NAME emulator.selftest
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/emulator/test_emulator.py
  WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
set_tests_properties(emulator.selftest PROPERTIES TIMEOUT 120)
