"""Magic numbers of the Wasm binary format [spec §5], named once."""

from __future__ import annotations

MAGIC = b"\x00asm"
VERSION = b"\x01\x00\x00\x00"

# Section ids [§5.5.2], listed in the order sections must appear.
SECTION_CUSTOM = 0
SECTION_TYPE = 1
SECTION_IMPORT = 2
SECTION_FUNCTION = 3
SECTION_TABLE = 4
SECTION_MEMORY = 5
SECTION_GLOBAL = 6
SECTION_EXPORT = 7
SECTION_START = 8
SECTION_ELEMENT = 9
SECTION_CODE = 10
SECTION_DATA = 11

# Branch hints (the branch hinting proposal, phase 4; taken by Chrome since 136 and by Firefox): a custom section,
# before the code section, that says which way an `if` or `br_if` most likely goes.
BRANCH_HINT_SECTION = "metadata.code.branch_hint"
LIKELY, UNLIKELY = 1, 0  # a hint's one byte of payload: the branch is (not) taken, for an `if` its condition holds

# Value types [§5.3.1]: the byte is the SLEB128 of a small negative number (i32 is -0x01).
VALTYPE_BYTE: dict[str, int] = {"i32": 0x7F, "i64": 0x7E, "f32": 0x7D, "f64": 0x7C}
BYTE_VALTYPE: dict[int, str] = {b: t for t, b in VALTYPE_BYTE.items()}
BLOCKTYPE_EMPTY = 0x40  # a block with no result [§5.4.1]
FUNCREF = 0x70  # the element type of a MVP table [§5.3.4]
FUNCTYPE = 0x60  # opens a function type [§5.3.3]

# Limits [§5.3.5] and mutability [§5.3.7].
LIMITS_MIN = 0x00
LIMITS_MIN_MAX = 0x01
CONST = 0x00
VAR = 0x01

# Import and export descriptors [§5.5.5, §5.5.10].
EXTERN_KIND: dict[str, int] = {"func": 0x00, "table": 0x01, "memory": 0x02, "global": 0x03}
KIND_EXTERN: dict[int, str] = {b: k for k, b in EXTERN_KIND.items()}

# The `name` custom section [spec appendix 7.4.1 and the extended-name-section proposal].
NAME_SECTION = "name"
NAME_MODULE = 0
NAME_FUNCTION = 1
NAME_LOCAL = 2
NAME_GLOBAL = 7

END = 0x0B
