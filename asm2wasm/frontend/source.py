"""Reading the input: bytes from a file or stdin, checked and decoded as UTF-8 text.

The file is read once into one bytes object and decoded once; the bytes are dropped as soon as the text exists, so
a 100 MB input peaks at about twice its size. Errors are CompileError with the position of the first bad byte:
E001 for text that is not UTF-8 (or is binary: a NUL byte), E003 for an empty or whitespace-only input.
"""

from __future__ import annotations

import codecs
import sys

from asm2wasm.diagnostics import NO_LOC, CompileError, Loc

# Byte sequences that end a line in JavaScript: LF, CR, U+2028, U+2029 (CR LF is handled by counting it once).
_LINE_ENDS = (b"\n", b"\r", "\u2028".encode(), "\u2029".encode())
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def read_source(path: str) -> str:
    """The text of `path` ("-" reads stdin). Raises CompileError E001 or E003, never OSError."""
    return decode_source(_read_bytes(path))


def decode_source(data: bytes) -> str:
    """`data` as text: UTF-8, a leading BOM removed. Raises CompileError E001 or E003."""
    if data.startswith(_UTF16_BOMS):
        raise CompileError(
            "E001", "the input is UTF-16 text (it starts with a UTF-16 byte order mark); convert it to UTF-8"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CompileError(
            "E001", "the input is binary, not JavaScript text (it contains a NUL byte)", byte_loc(data, nul)
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad = data[exc.start : exc.start + 4].hex(" ")
        message = f"the input is not UTF-8 text: invalid byte sequence ({bad}...) at byte offset {exc.start}"
        raise CompileError("E001", message, byte_loc(data, exc.start)) from None
    if not text:
        raise CompileError("E003", "the input is empty")
    if text.isspace():
        raise CompileError("E003", "the input is only whitespace")
    return text


def byte_loc(data: bytes, offset: int) -> Loc:
    """Line and column (in characters) of a byte offset; bytes before it that are not UTF-8 count one each."""
    line = 1 + sum(data.count(end, 0, offset) for end in _LINE_ENDS) - data.count(b"\r\n", 0, offset)
    col = len(data[_line_start(data, offset) : offset].decode("utf-8", errors="replace"))
    return Loc(line, col)


def _line_start(data: bytes, offset: int) -> int:
    start = 0
    for end in _LINE_ENDS:
        at = data.rfind(end, 0, offset)
        if at >= 0:
            start = max(start, at + len(end))
    return start


def _read_bytes(path: str) -> bytes:
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise CompileError("E001", f"cannot read {path}: {exc.strerror or exc}", NO_LOC) from None
