# SPDX-License-Identifier: MIT
# The generated tables (core/src/shapes_gen.c) must match what the generator makes of the
# vendored model: run it again with Debian's python3 and compare.
add_test(NAME core.shapes_gen
  COMMAND sh -c "/usr/bin/python3 core/model/gen_shapes.py core/model/appmesh-2019-01-25 | cmp - core/src/shapes_gen.c || { echo 'core/src/shapes_gen.c is out of date: see core/model/appmesh-2019-01-25/README.md' >&2; exit 1; }"
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
