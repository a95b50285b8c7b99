-- A hostile manifest: an endless loop (the instruction limit stops it) after using memory.
local t = {}
for i = 1, 100 do t[i] = string.rep("x", i) end
while true do end
