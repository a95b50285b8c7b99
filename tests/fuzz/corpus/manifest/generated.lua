-- A Lua manifest: entries made in a loop, defaults filling the spec.
local updates = {}
for i = 1, 5 do
  updates[#updates + 1] = { meshName = "demo-mesh", virtualServiceName = string.format("svc-%d.demo.local", i) }
end
return {
  defaults = { spec = { provider = { virtualNode = { virtualNodeName = "colorteller-blue-vn" } } } },
  policy_args = { max_mesh_share = 1 },
  updates = updates,
}
