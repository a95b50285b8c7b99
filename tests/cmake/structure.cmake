# SPDX-License-Identifier: MIT
# structure.cycles: no two .c files (or rings of them) in core/src, bindings/host or bindings/lua
# call each other's non-static functions (tests/structure/cycles.py reads the objects with nm).
find_program(APPMESH_NM nm)
if(NOT APPMESH_NM)
  return()
endif()
set(APPMESH_CYCLE_GROUPS "core/src=$<JOIN:$<TARGET_OBJECTS:appmesh_objects>,:>")
if(TARGET appmesh-lua)
  list(APPEND APPMESH_CYCLE_GROUPS "bindings/host=$<JOIN:$<TARGET_OBJECTS:appmesh-lua>,:>")
endif()
if(TARGET appmesh_lua_objects)
  list(APPEND APPMESH_CYCLE_GROUPS "bindings/lua=$<JOIN:$<TARGET_OBJECTS:appmesh_lua_objects>,:>")
endif()
add_test(NAME structure.cycles
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/structure/cycles.py ${APPMESH_CYCLE_GROUPS})
