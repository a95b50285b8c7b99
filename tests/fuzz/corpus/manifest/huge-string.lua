-- A hostile manifest: asks for more memory than the state may have.
return { updates = { { meshName = string.rep("m", 1 << 30), virtualServiceName = "a", spec = {} } } }
