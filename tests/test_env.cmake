# SPDX-License-Identifier: MIT
# What the suites under tests/cmake share (included before them by tests/CMakeLists.txt):
#   APPMESH_TEST_ENV      `env` arguments that keep the machine's AWS set-up out of a test:
#                         its variables unset, the shared files pointed at nothing, the
#                         credential chain off the network, APPMESH_BUILD set to this build
#                         (it ends in assignments: put further -u options before it).
#   APPMESH_TEST_NO_PROXY `env` arguments that keep loopback traffic off any proxy.
#   APPMESH_TEST_PRELOAD  under the sanitizers, LD_PRELOAD of the ASan runtime, which the
#                         (plain) lua5.4 needs loaded first for appmesh.so (the specs take it off
#                         again for their children); empty otherwise.
set(APPMESH_TEST_ENV
  -u AWS_REGION -u AWS_DEFAULT_REGION -u AWS_PROFILE -u AWS_ACCESS_KEY_ID
  -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL
  -u AWS_ENDPOINT_URL_APP_MESH -u AWS_MAX_ATTEMPTS -u AWS_RETRY_MODE -u AWS_CA_BUNDLE
  -u AWS_ROLE_ARN -u AWS_WEB_IDENTITY_TOKEN_FILE -u AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  -u AWS_CONTAINER_CREDENTIALS_FULL_URI -u APPMESH_LOG
  AWS_CONFIG_FILE=/nonexistent/appmesh-test-config
  AWS_SHARED_CREDENTIALS_FILE=/nonexistent/appmesh-test-credentials
  AWS_EC2_METADATA_DISABLED=true
  APPMESH_BUILD=${CMAKE_BINARY_DIR})
set(APPMESH_TEST_NO_PROXY no_proxy=127.0.0.1,localhost,::1 NO_PROXY=127.0.0.1,localhost,::1)

set(APPMESH_TEST_PRELOAD)
if(APPMESH_SANITIZE)
  if(CMAKE_C_COMPILER_ID MATCHES "Clang")
    set(APPMESH_TEST_ASAN_RUNTIME libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  else()
    set(APPMESH_TEST_ASAN_RUNTIME libasan.so)
  endif()
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=${APPMESH_TEST_ASAN_RUNTIME}
    OUTPUT_VARIABLE APPMESH_TEST_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(APPMESH_TEST_PRELOAD LD_PRELOAD=${APPMESH_TEST_LIBASAN})
endif()
