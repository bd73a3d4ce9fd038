"""Reading and decoding the input: UTF-8 with or without BOM, and E001 / E003 with positions."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from asm2wasm.diagnostics import CompileError, Loc
from asm2wasm.frontend import read_source
from asm2wasm.frontend.source import decode_source


def _error(data: bytes) -> tuple[str, Loc]:
    with pytest.raises(CompileError) as err:
        decode_source(data)
    return err.value.diagnostic.code, err.value.diagnostic.loc


def test_utf8_text() -> None:
    assert decode_source("var é = '✓';\n".encode()) == "var é = '✓';\n"


def test_bom_is_stripped() -> None:
    assert decode_source(b"\xef\xbb\xbfvar x;") == "var x;"


def test_not_utf8_reports_line_and_column_of_the_bad_byte() -> None:
    assert _error(b"var a;\nvar b;\nvar \xe9 = 1;\n") == ("E001", Loc(3, 4))


def test_not_utf8_column_counts_characters() -> None:
    assert _error("// ✓✓\n'é'".encode() + b"\xff") == ("E001", Loc(2, 3))


def test_binary_reports_the_first_nul() -> None:
    assert _error(b"\x7fELF\x02\x01\x01\x00\x00") == ("E001", Loc(1, 7))


def test_utf16() -> None:
    assert _error("function M() {}".encode("utf-16"))[0] == "E001"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf"])
def test_empty_or_whitespace(data: bytes) -> None:
    assert _error(data)[0] == "E003"


def test_read_file(tmp_path: Path) -> None:
    path = tmp_path / "m.js"
    path.write_bytes(b"function M() {}\n")
    assert read_source(str(path)) == "function M() {}\n"


def test_missing_file_is_e001(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as err:
        read_source(str(tmp_path / "missing.js"))
    assert err.value.diagnostic.code == "E001"


def test_directory_is_e001(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as err:
        read_source(str(tmp_path))
    assert err.value.diagnostic.code == "E001"


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(b"var x = 1;"))
    monkeypatch.setattr(sys, "stdin", fake)
    assert read_source("-") == "var x = 1;"
