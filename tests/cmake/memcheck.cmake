# SPDX-License-Identifier: MIT
# make memcheck: with -DAPPMESH_MEMCHECK=ON (and without the sanitizers) every core.* test
# program, the C programs of the Lua binding (tests/lua/programs/test_*.c), the fuzz corpus replays and
# a Lua script against the local emulator (tests/memcheck/emulator_calls.lua under appmesh-lua)
# run under valgrind as CTests memcheck.<name> (label memcheck): any memory error, or any
# definitely or indirectly lost block, fails the test. Suppressions, each explained, are in
# tests/memcheck/appmesh.supp (libraries we do not own only).
option(APPMESH_MEMCHECK "Add the memcheck.* tests (valgrind; build without APPMESH_SANITIZE)" OFF)
if(NOT APPMESH_MEMCHECK)
  return()
endif()
if(APPMESH_SANITIZE)
  message(FATAL_ERROR "APPMESH_MEMCHECK needs a build without APPMESH_SANITIZE (valgrind and ASan do not mix)")
endif()

find_program(APPMESH_VALGRIND NAMES valgrind REQUIRED)
set(APPMESH_MEMCHECK_VALGRIND ${APPMESH_VALGRIND} --tool=memcheck --quiet
  --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
  --errors-for-leak-kinds=definite,indirect --track-fds=no --num-callers=40
  --suppressions=${CMAKE_SOURCE_DIR}/tests/memcheck/appmesh.supp --gen-suppressions=all)

# Nothing from the machine's AWS set-up may leak in, and no proxy is used (test_env.cmake).
set(APPMESH_MEMCHECK_ENV ${APPMESH_TEST_ENV} ${APPMESH_TEST_NO_PROXY})

set(APPMESH_MEMCHECK_TESTS)

# Cases that cannot pass under valgrind for a reason that is not a memory error; the rest of
# their program runs case by case (tests/memcheck/run_except.sh).
# - cred_process.reports_a_command_that_does_not_exist: valgrind runs glibc's posix_spawn child
#   (clone with CLONE_VM | CLONE_VFORK) as a plain fork, so a failed exec comes back as exit
#   status 127 instead of posix_spawn's ENOENT, and the case checks the ENOENT message.
set(APPMESH_MEMCHECK_SKIP_cred_process reports_a_command_that_does_not_exist)

# The core tests, as core.<module> runs them (from tests/).
foreach(src ${APPMESH_TEST_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^test_" "" module ${name})
  if(DEFINED APPMESH_MEMCHECK_SKIP_${module})
    string(REPLACE ";" "," skip "${APPMESH_MEMCHECK_SKIP_${module}}")
    add_test(NAME memcheck.core.${module}
      COMMAND env ${APPMESH_MEMCHECK_ENV} sh ${CMAKE_SOURCE_DIR}/tests/memcheck/run_except.sh
        $<TARGET_FILE:${name}> ${skip} ${APPMESH_MEMCHECK_VALGRIND}
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests)
  else()
    add_test(NAME memcheck.core.${module}
      COMMAND env ${APPMESH_MEMCHECK_ENV} ${APPMESH_MEMCHECK_VALGRIND} $<TARGET_FILE:${name}>
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests)
  endif()
  list(APPEND APPMESH_MEMCHECK_TESTS memcheck.core.${module})
endforeach()

# The fuzz corpus replays.
foreach(src ${APPMESH_FUZZ_SOURCES})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" target ${name})
  if(TARGET fuzz_replay_${target})
    add_test(NAME memcheck.fuzz.${target}
      COMMAND ${APPMESH_MEMCHECK_VALGRIND} $<TARGET_FILE:fuzz_replay_${target}>
        ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${target}
      WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests)
    list(APPEND APPMESH_MEMCHECK_TESTS memcheck.fuzz.${target})
  endif()
endforeach()

if(TARGET appmesh_lua AND TARGET appmesh-lua)
  # The embedding programs, as lua.<prog> runs them (from the source directory).
  foreach(prog threads interrupt oom sched_interrupt sched_oom)
    if(TARGET test_lua_${prog})
      add_test(NAME memcheck.lua.${prog}
        COMMAND env ${APPMESH_MEMCHECK_ENV} ${APPMESH_MEMCHECK_VALGRIND}
          $<TARGET_FILE:test_lua_${prog}>
        WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
      list(APPEND APPMESH_MEMCHECK_TESTS memcheck.lua.${prog})
    endif()
  endforeach()

  # A Lua script against the emulator, run by appmesh-lua.
  add_test(NAME memcheck.lua.emulator_calls
    COMMAND sh ${CMAKE_SOURCE_DIR}/tests/memcheck/run_lua.sh $<TARGET_FILE:appmesh-lua>
      ${CMAKE_SOURCE_DIR}/tests/memcheck/emulator_calls.lua ${APPMESH_MEMCHECK_VALGRIND}
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  list(APPEND APPMESH_MEMCHECK_TESTS memcheck.lua.emulator_calls)
endif()

set_tests_properties(${APPMESH_MEMCHECK_TESTS} PROPERTIES LABELS memcheck TIMEOUT 1200)
