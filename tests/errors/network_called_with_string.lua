-- expect: network_called_with_string.lua:3: network: expected a table of fields, as in network { ... }, got string
-- network "name" instead of network { ... }
return network "net"
