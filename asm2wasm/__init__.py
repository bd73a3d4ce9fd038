"""asm2wasm: asm.js modules in, standard WebAssembly that behaves exactly like them out.

The pipeline (see compiler.py): frontend (parse) -> check (validate, infer types) -> lower (Wasm instructions)
-> wasm (encode, .wat) and glue (the JS companion). cli.py is the command line.
"""

__version__ = "0.1.0"
