# SPDX-License-Identifier: MIT
# The documentation's links: every link to a repository path in README.md and docs/*.md
# resolves and every #anchor names a heading (docs.links); docs.links_selftest checks that the
# checker reports each kind of broken link.
add_test(NAME docs.links
  COMMAND /usr/bin/python3 tests/docs/check_links.py . README.md docs
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
add_test(NAME docs.links_selftest
  COMMAND /usr/bin/python3 tests/docs/check_links.py --self-test
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
