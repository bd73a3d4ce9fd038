"""Source maps (version 3) from Wasm code offsets to the original source, for browser devtools (`-g`).

The lowering records, per function, (instruction index, asm.js line) at each statement. Here those become byte
offsets in the final binary (the "generated column" of a Wasm source map, on line 1), and each asm.js line becomes
its original C line where Emscripten left a `//@line N "file.c"` comment on it, or stays an asm.js line.
The binary then names its map in a `sourceMappingURL` custom section.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate

from asm2wasm.frontend.positions import SourceLines
from asm2wasm.wasm.consts import SECTION_CODE, SECTION_CUSTOM
from asm2wasm.wasm.encode import encode_function_body
from asm2wasm.wasm.instrs import InstructionCache, encoded_instrs
from asm2wasm.wasm.leb import read_uleb, uleb_bytes
from asm2wasm.wasm.model import Function, Module
from asm2wasm.wasm.names import write_name
from asm2wasm.wasm.sections import sections

LINE_COMMENT = re.compile(r'//@line (\d+) "([^"]*)"')
_VLQ_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def original_lines(source: str) -> dict[int, tuple[str, int]]:
    """asm.js line -> (C file, C line) for every line carrying an Emscripten `//@line` comment (one linear pass)."""
    result, line, last = {}, 1, 0
    for match in LINE_COMMENT.finditer(source):
        line += source.count("\n", last, match.start())
        last = match.start()
        result[line] = (match.group(2), int(match.group(1)))
    return result


def function_body_offsets(binary: bytes) -> list[int]:
    """File offset where each defined function's code entry starts (after its size), read from the code section."""
    for section in sections(binary):
        if section.id == SECTION_CODE:
            count, cursor = read_uleb(binary, section.payload)
            starts = []
            for _ in range(count):
                body_size, cursor = read_uleb(binary, cursor)
                starts.append(cursor)
                cursor += body_size
            return starts
    return []


def _instruction_offsets(func: Function, cache: InstructionCache) -> list[int]:
    """Byte offset (within the code entry) of each marked instruction of `func`; `cache` as in `encoded_instrs`."""
    prefix = len(encode_function_body(Function(func.type_index, [], func.locals))) - 1  # locals, without `end`
    # one offset more than there are instructions: a mark may be at the very end
    starts = list(accumulate(map(len, encoded_instrs(func.body, cache)), initial=prefix))
    return [starts[index] for index, _ in func.source_offsets]


def build_source_map(module: Module, binary: bytes, asm_source: str, asm_name: str, wasm_name: str) -> str:
    """The source map JSON for `binary` (the encoding of `module`)."""
    c_lines = original_lines(asm_source)
    positions = SourceLines(asm_source)
    cache = InstructionCache()
    sources: dict[str, int] = {}
    segments = []  # (file offset, source index, 0-based line)
    for func, start in zip(module.functions, function_body_offsets(binary)):
        if not func.source_offsets:
            continue
        for (_, at), offset in zip(func.source_offsets, _instruction_offsets(func, cache)):
            asm_line = positions.line(at)
            file, line = c_lines.get(asm_line, (asm_name, asm_line))
            segments.append((start + offset, sources.setdefault(file, len(sources)), line - 1))
    segments.sort()
    return json.dumps({"version": 3, "file": wasm_name, "sources": list(sources), "names": [],
                       "mappings": _mappings(segments)}, separators=(",", ":"))


def _mappings(segments: list[tuple[int, int, int]]) -> str:
    parts, last = [], (0, 0, 0)
    for offset, source, line in segments:
        parts.append(_vlq(offset - last[0]) + _vlq(source - last[1]) + _vlq(line - last[2]) + _vlq(0))
        last = (offset, source, line)
    return ",".join(parts)


def _vlq(value: int) -> str:
    value = (-value << 1) | 1 if value < 0 else value << 1
    out = []
    while True:
        digit, value = value & 31, value >> 5
        out.append(_VLQ_DIGITS[digit | 32 if value else digit])
        if not value:
            return "".join(out)


def with_source_mapping_url(binary: bytes, url: str) -> bytes:
    """`binary` plus a `sourceMappingURL` custom section (appended last, so no code offset moves)."""
    payload = bytearray()
    write_name(payload, "sourceMappingURL")
    write_name(payload, url)
    return binary + bytes([SECTION_CUSTOM]) + uleb_bytes(len(payload)) + bytes(payload)
