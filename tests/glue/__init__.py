"""Tests of asm2wasm/glue: the JS companion, Emscripten glue analysis, whole-app migration."""
