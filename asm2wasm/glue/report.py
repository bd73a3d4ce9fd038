"""The migration report: what was found, compiled, refused, rewritten and warned about; as JSON and as Markdown."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from asm2wasm.glue.render import render

EXIT_MIGRATED = 0
EXIT_PARTIAL = 2  # some module was kept as asm.js (refused by validation, or its glue was not understood)

_SNIPPET = 160


def snippet(text: str) -> str:
    """A one-line excerpt of JavaScript for the report."""
    flat = " ".join(text.split())
    return flat if len(flat) <= _SNIPPET else flat[: _SNIPPET - 3] + "..."


@dataclass
class ModuleRecord:
    file: str  # path relative to the app (the file name for a single-file app)
    name: str
    line: int
    col: int  # 1-based, as printed
    directive: str
    status: str  # "compiled" (replaced by Wasm), "refused" (not valid asm.js: kept) or "kept" (glue not understood)
    asm_bytes: int
    wasm_file: str | None = None
    wasm_bytes: int | None = None
    functions: int | None = None
    compile_seconds: float | None = None
    error: dict | None = None  # refused: {code, message, line, col, text}
    reason: str | None = None  # kept: why


@dataclass
class RewriteRecord:
    file: str
    line: int
    col: int  # 1-based
    what: str
    before: str
    after: str
    offset: int = 0  # where the replaced text starts in the original file (characters, not bytes)
    length: int = 0  # how many characters it had (0: an insertion)
    new_length: int = 0  # how many characters replace them


@dataclass
class WarningRecord:
    file: str
    line: int
    col: int  # 1-based
    message: str


@dataclass
class ShimRecord:
    """A compatibility shim a page got (asm2wasm-shims.js), and the legacy API use that asked for it."""

    shim: str
    file: str
    line: int
    col: int  # 1-based
    found: str
    why: str


@dataclass
class MigrationReport:
    app: str
    out: str | None
    dry_run: bool
    modules: list[ModuleRecord] = field(default_factory=list)
    rewrites: list[RewriteRecord] = field(default_factory=list)
    warnings: list[WarningRecord] = field(default_factory=list)
    shims: list[ShimRecord] = field(default_factory=list)
    files_copied: int = 0
    files_rewritten: list[str] = field(default_factory=list)
    wasm_files: list[str] = field(default_factory=list)
    files_written: list[str] = field(default_factory=list)  # new files of the migration's own (the page loader)
    seconds: float = 0.0

    @property
    def migrated(self) -> list[ModuleRecord]:
        return [m for m in self.modules if m.status == "compiled"]

    @property
    def exit_status(self) -> int:
        return EXIT_MIGRATED if len(self.migrated) == len(self.modules) else EXIT_PARTIAL

    def to_json(self) -> dict:
        data = asdict(self)
        data["exit_status"] = self.exit_status
        return data

    def markdown(self) -> str:
        return render("migrate/MIGRATION.md.j2", {"report": self, "mib": _mib})


def _mib(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / (1 << 20):.2f} MiB" if n >= 1 << 20 else f"{n / 1024:.1f} KiB"
