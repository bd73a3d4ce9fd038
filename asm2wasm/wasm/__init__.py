"""The Wasm layer: the module model and everything below it.

model.py    the module model (`lower` builds it)
opcodes.py  one row per instruction: name, opcode bytes, immediate kind, stack signature
consts.py   section ids, value-type bytes and other magic numbers of the binary format
leb.py      LEB128 writers (and the unsigned reader)
instrs.py   instruction encoders derived from opcodes.py, and the cached hot loop over a function body
names.py    the `name` custom section
sections.py the section layout of an encoded module, read back (source maps, -O)
encode.py   encode(module) -> bytes; encode_function(func) -> (code entry, branch hints) for parallel encoding
wat.py      to_wat(module) -> str, the text format
"""
