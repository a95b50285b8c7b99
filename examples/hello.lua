-- SPDX-License-Identifier: MIT
-- A tiny script for examples/embed_host.c: the module is already opened by the host.
local appmesh = require "appmesh"

print(appmesh._VERSION)
print("client constructor: " .. type(appmesh.client))
