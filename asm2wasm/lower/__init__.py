"""Lowering: the typed IR to the Wasm module model, reproducing JavaScript's semantics exactly."""
