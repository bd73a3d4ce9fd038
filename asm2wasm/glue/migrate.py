"""`asm2wasm migrate APP -o OUT`: an app (a directory with a page and its scripts, or one library .js file) with
every asm.js module replaced by a .wasm file, its glue rewritten, and a report (OUT/MIGRATION.md, OUT/migration.json).

Per JavaScript file holding modules (found by `frontend.find_modules`, without parsing the file):

1. each module is compiled (`compiler.compile_source`); one that is not valid asm.js is refused, reported with its
   location, and kept as it is;
2. the glue is parsed with the module bodies left out (`skeleton`) and analysed (`emscripten`): the module's call,
   the heap it is given, the growth path;
3. the file is rewritten by located edits, every other byte kept: the module's body becomes a call of the runtime's
   `link` (padded with the newlines it had, so later lines keep their numbers), the `new ArrayBuffer(n)` that makes
   the heap becomes the runtime's `createHeap(n)` (the Wasm memory: `buffer`, every HEAP* view, also on Module),
   each call of the memory-replacing export leaves the grown memory's buffer in its argument variable, and the
   runtime (templates/migrate/runtime.js.j2) is appended as a hoisted function declaration;
4. NAME.wasm is written next to the file.

Everything else is copied byte for byte. The input is never modified; outputs go through `staging` (a temporary
directory beside OUT, renamed at the end). Raises MigrationRefused when there is nothing to do or OUT is unusable.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape as html_escape
from pathlib import Path

from asm2wasm import compiler
from asm2wasm.diagnostics import CompileError
from asm2wasm.frontend import decode_source, find_modules
from asm2wasm.frontend.extract import ModuleSpan
from asm2wasm.glue import html, shims
from asm2wasm.glue.context import shim_context
from asm2wasm.glue.edits import Edit, apply_edits
from asm2wasm.glue.emscripten import TYPED_ARRAYS, ModuleGlue, analyse
from asm2wasm.glue.render import render
from asm2wasm.glue.report import MigrationReport, ModuleRecord, RewriteRecord, ShimRecord, WarningRecord, snippet
from asm2wasm.glue.skeleton import loc_of, parse_skeleton
from asm2wasm.glue.staging import NullOutput, Output, StagedDirectory

REPORT_MD = "MIGRATION.md"
REPORT_JSON = "migration.json"
_SCRIPT_SUFFIXES = (".js", ".cjs", ".mjs")
_PAGE_SUFFIXES = (".html", ".htm")
_BOM = "\ufeff".encode()
_RUN_DEPENDENCY = re.compile(r"\baddRunDependency\b")

Progress = Callable[[str], None]


class MigrationRefused(Exception):
    """Nothing was written: the input holds no asm.js, or OUT cannot be used. The message says why."""


# Browsers link a module synchronously up to this many bytes (Chromium refuses synchronous compilation and
# instantiation above 8 MiB on the main thread), by `instantiate` mode; node always links synchronously.
SYNC_LIMITS = {"auto": 8 << 20, "async": -1}  # 8 MiB: Chromium allows exactly up to 8,388,608 bytes


@dataclass
class Settings:
    force: bool = False
    dry_run: bool = False
    instantiate: str = "auto"  # a key of SYNC_LIMITS
    lenient: bool = True  # compile prototype mismatches with the conversion JS applied (a warning each)
    jobs: int = 1
    progress: Progress | None = None


def migrate(app: Path, out: Path | None, settings: Settings | None = None) -> MigrationReport:
    """Migrate `app` into the new directory `out` (None only for a dry run). Returns the report."""
    settings = settings or Settings()
    started = time.perf_counter()
    app = app.resolve()
    if not app.exists():
        raise MigrationRefused(f"{app}: no such file or directory")
    if out is None and not settings.dry_run:
        raise MigrationRefused("an output directory (-o OUT) is needed unless --dry-run is given")
    if out is not None:
        out = out.resolve()
        _check_output(app, out, settings)
    inputs = _inputs(app, out)
    report = MigrationReport(app=str(app), out=str(out) if out else None, dry_run=settings.dry_run)
    if settings.dry_run or out is None:
        _migrate_into(NullOutput(), inputs, report, settings)
        report.seconds = time.perf_counter() - started
        return report
    with StagedDirectory(out, replace=settings.force) as staged:
        _migrate_into(staged, inputs, report, settings)
        report.seconds = time.perf_counter() - started
        md, js = _report_names({rel for rel, _ in inputs})
        staged.write(md, report.markdown().encode())
        staged.write(js, (report_json(report) + "\n").encode())
        staged.commit()
    return report


def report_json(report: MigrationReport) -> str:
    """The report as the JSON text of OUT/migration.json."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False)


def _check_output(app: Path, out: Path, settings: Settings) -> None:
    if out == app or app.is_relative_to(out):
        raise MigrationRefused(f"the output {out} would contain or replace the input {app}")
    if not out.parent.is_dir():
        raise MigrationRefused(f"the directory {out.parent} (where OUT goes) does not exist")
    if out.exists() or out.is_symlink():
        if not out.is_dir() or out.is_symlink():
            raise MigrationRefused(f"the output {out} exists and is not a directory")
        if not settings.force and not settings.dry_run:
            raise MigrationRefused(f"the output directory {out} exists; use --force to replace it")


def _inputs(app: Path, out: Path | None) -> list[tuple[str, Path]]:
    """(path relative to the app, file) for every file, sorted; OUT and its staging siblings left out."""
    if app.is_file():
        return [(app.name, app)]
    found = []
    for root, dirs, files in os.walk(app):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _is_output(here / d, out))
        for name in sorted(files):
            path = here / name
            found.append((path.relative_to(app).as_posix(), path))
    return found


def _is_output(path: Path, out: Path | None) -> bool:
    """OUT itself, or one of the temporary directories staging makes beside it."""
    if out is None:
        return False
    staging = re.fullmatch(rf"\.{re.escape(out.name)}\..*\.(partial|old)", path.name)
    return path == out or (path.parent == out.parent and staging is not None)


def _report_names(taken: set[str]) -> tuple[str, str]:
    md, js = REPORT_MD, REPORT_JSON
    if md in taken or js in taken:
        md, js = "asm2wasm-" + md, "asm2wasm-" + js
    return md, js


def _migrate_into(output: Output, inputs: list[tuple[str, Path]], report: MigrationReport,
                  settings: Settings) -> None:
    _AppMigration(output, report, settings, {rel for rel, _ in inputs}).run(inputs)
    if not report.modules:
        raise MigrationRefused(f"{report.app}: no asm.js module found (no function whose body starts with "
                               "\"use asm\" or \"almost asm\"); nothing was written")


@dataclass
class _AppMigration:
    """The files of one app: scripts first (their modules), then pages (which depend on what their scripts became:
    the Wasm loader, the compatibility shims their JavaScript needs, modules of their own inline scripts)."""

    output: Output
    report: MigrationReport
    settings: Settings
    taken: set[str]  # paths used in the output
    migrated: dict[str, list[str]] = field(default_factory=dict)  # script -> the .wasm files it links now
    scripts: dict[str, str] = field(default_factory=dict)  # script -> its text (for the shims' detection)
    script_shims: dict[str, list[shims.ShimUse]] = field(default_factory=dict)  # script -> its uses, once found
    loader_used: bool = False
    shims_used: set[str] = field(default_factory=set)
    shims_recorded: set[tuple[str, str]] = field(default_factory=set)  # (shim, file) in the report

    def run(self, inputs: list[tuple[str, Path]]) -> None:
        pages = []
        for rel, path in inputs:
            suffix = path.suffix.lower()
            if not path.is_symlink() and suffix in _PAGE_SUFFIXES:
                pages.append((rel, path))  # after the scripts: a page's rewrite depends on them
            elif path.is_symlink() or suffix not in _SCRIPT_SUFFIXES or not self._script(rel, path):
                self._copy(rel, path)
        self.loader_rel = _free_name(html.LOADER_FILE, self.taken)
        self.shims_rel = _free_name(html.SHIMS_FILE, self.taken)
        for rel, path in pages:
            self._page(rel, path)
        if self.loader_used:
            self._write_new(self.loader_rel, render("migrate/page_loader.js.j2", html.loader_context()))
        if self.shims_used:
            self._write_new(self.shims_rel, shims.render_shims(self.shims_used))

    def _copy(self, rel: str, path: Path) -> None:
        self.output.copy(rel, path)
        self.report.files_copied += 1

    def _write_new(self, rel: str, text: str) -> None:
        self.output.write(rel, text.encode())
        self.report.files_written.append(rel)

    def _write_wasm(self, files: dict[str, bytes]) -> None:
        for wasm_rel, binary in files.items():
            self.output.write(wasm_rel, binary)
            self.report.wasm_files.append(wasm_rel)
            self.taken.add(wasm_rel)

    def _script(self, rel: str, path: Path) -> bool:
        """Migrate the modules of one script; False when it is to be copied as it is."""
        data = path.read_bytes()
        text = _text(data)
        if text is None:
            return False
        self.scripts[rel] = text
        spans = find_modules(text) if "use asm" in text or "almost asm" in text else []
        if not spans:
            return False
        file = FileMigration(rel, text, spans, self.taken, self.settings).run(self.report)
        if file.text is None:
            return False
        self._write_rewritten(rel, data, file.text)
        self.migrated[rel] = list(file.wasm)
        self._write_wasm(file.wasm)
        return True

    def _page(self, rel: str, path: Path) -> None:
        """A page: its inline modules migrated, the compatibility shims its scripts need loaded first, and the Wasm
        of its migrated scripts compiled before they run (glue/html.py)."""
        data = path.read_bytes()
        text = _text(data)
        if text is None:
            self._copy(rel, path)
            return
        tags = html.scripts(text)
        inline = [tag for tag in tags if tag.src is None and tag.is_classic]
        program = html.inline_program(text, inline)  # the inline scripts as one program, with the page's positions
        module_edits, inline_wasm = self._inline_modules(rel, inline, program)  # recorded by FileMigration
        page_edits = []
        shim_edit = self._shims(rel, tags, program)
        if shim_edit is not None:
            page_edits.append(shim_edit)  # first among edits at the same place: the shims run before anything else
        rewrite = html.loader_rewrite(rel, text, self.migrated, self.loader_rel, inline_wasm, tags)
        if rewrite is not None:
            self.loader_used = True
            page_edits += rewrite.edits
            for offset, message in rewrite.warnings:
                loc = loc_of(text, offset)
                self.report.warnings.append(WarningRecord(rel, loc.line, loc.col + 1, message))
        if not module_edits and not page_edits:
            self._copy(rel, path)
            return
        _record_rewrites(self.report, rel, text, page_edits)
        self._write_rewritten(rel, data, apply_edits(text, page_edits + module_edits))

    def _write_rewritten(self, rel: str, original: bytes, text: str) -> None:
        new = text.encode("utf-8")
        self.output.write(rel, _BOM + new if original.startswith(_BOM) else new)
        self.report.files_rewritten.append(rel)

    def _shims(self, rel: str, tags: list[html.ScriptTag], program: str) -> Edit | None:
        """The shims script tag for the page, before its first script, when its JavaScript (`program`: its inline
        scripts; and the app's scripts it includes) uses legacy APIs."""
        included = [html.resolve(rel, tag.src) for tag in tags if tag.src is not None and tag.is_classic]
        uses = shims.detect_shims([shims.ScriptText(rel, program)])
        for script in dict.fromkeys(s for s in included if s in self.scripts):  # each script once, in page order
            if script not in self.script_shims:  # a script's uses do not depend on the page that includes it
                self.script_shims[script] = shims.detect_shims([shims.ScriptText(script, self.scripts[script])])
            uses += self.script_shims[script]
        if not uses:
            return None
        for use in uses:
            if (use.shim, use.file) not in self.shims_recorded:
                self.shims_recorded.add((use.shim, use.file))
                self.report.shims.append(ShimRecord(use.shim, use.file, use.line, use.col + 1, use.found, use.why))
        self.shims_used |= {use.shim for use in uses}
        names = ", ".join(sorted({use.shim for use in uses}))
        tag = f'<script src="{html_escape(html.relative_url(rel, self.shims_rel))}"></script>'
        return Edit(tags[0].start, tags[0].start, tag, f"compatibility shims for legacy browser APIs ({names})")

    def _inline_modules(self, rel: str, inline: list[html.ScriptTag], program: str
                        ) -> tuple[list[Edit], dict[int, list[str]]]:
        """Migrate the modules of a page's inline scripts, read together as the one program they form (classic
        scripts share their globals). Returns the page edits and, per script tag (its offset), its .wasm files."""
        if "use asm" not in program and "almost asm" not in program:
            return [], {}
        spans = find_modules(program)
        if not spans:
            return [], {}
        tag_of = {span.start: next(t for t in inline if t.body_start <= span.start < t.body_end) for span in spans}
        runtime_at = {start: tag.body_end for start, tag in tag_of.items()}
        file = FileMigration(rel, program, spans, self.taken, self.settings, runtime_at=runtime_at).run(self.report)
        inline_wasm: dict[int, list[str]] = {}
        for start, wasm_rel in file.wasm_of.items():
            inline_wasm.setdefault(tag_of[start].start, []).append(wasm_rel)
        self._write_wasm(file.wasm)
        return file.edits, inline_wasm


def _record_rewrites(report: MigrationReport, rel: str, source: str, edits: list[Edit]) -> None:
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):  # the order apply_edits applies them in
        loc = loc_of(source, edit.start)
        if edit.start == len(source):
            before = "(end of file)"
        elif edit.end - edit.start > 400:
            before = f"{snippet(source[edit.start : edit.start + 60])} ({edit.end - edit.start} characters)"
        else:
            before = snippet(source[edit.start : edit.end])
        report.rewrites.append(RewriteRecord(rel, loc.line, loc.col + 1, edit.what, before, snippet(edit.text),
                                             edit.start, edit.end - edit.start, len(edit.text)))


def _free_name(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}{n}{dot}{ext}"
    taken.add(candidate)
    return candidate


def _text(data: bytes) -> str | None:
    try:
        return decode_source(data)
    except CompileError:
        return None


def _record(rel: str, text: str, span: ModuleSpan, status: str, **extra) -> ModuleRecord:
    asm_bytes = len(text[span.start : span.end].encode("utf-8"))
    return ModuleRecord(rel, span.name, span.line, span.col + 1, span.directive, status, asm_bytes, **extra)


@dataclass
class _Compiled:
    span: ModuleSpan
    record: ModuleRecord
    context: dict  # the runtime template's context (shim_context)
    grow_exports: list[str]
    binary: bytes


@dataclass
class FileMigration:
    """One JavaScript file with asm.js modules: compiled modules, glue edits, the rewritten text and .wasm files."""

    rel: str
    source: str
    spans: list[ModuleSpan]
    taken: set[str]  # paths already used in the output (no .wasm may take one of them)
    settings: Settings
    runtime_at: dict[int, int] = field(default_factory=dict)  # module start -> where its runtime goes (default: end)
    text: str | None = None  # the rewritten file (None: nothing migrated, copy the original)
    edits: list[Edit] = field(default_factory=list)  # what made `text` from `source`
    wasm: dict[str, bytes] = field(default_factory=dict)  # .wasm path -> its bytes
    wasm_of: dict[int, str] = field(default_factory=dict)  # module start -> its .wasm path

    def run(self, report: MigrationReport) -> FileMigration:
        compiled = [c for c in (self._compile(span, report) for span in self.spans) if c is not None]
        if not compiled:
            return self
        try:
            skeleton = parse_skeleton(self.source, [(s.body_start, s.end) for s in self.spans if s.error is None])
        except CompileError as error:
            reason = f"the JavaScript around it does not parse: {error.diagnostic.message}"
            loc = error.diagnostic.loc
            report.warnings.append(WarningRecord(self.rel, loc.line, loc.col + 1, reason))
            self._keep(compiled, reason)
            return self
        edits: list[Edit] = []
        runtimes: list[str] = []
        linked: list[tuple[_Compiled, str]] = []
        allocated: set[tuple[int, int]] = set()  # heap allocations already rewritten (a site may feed several modules)
        warned: set[tuple[int, str]] = set()
        for item in compiled:
            glue = analyse(self.source, skeleton, item.span, item.grow_exports)
            for offset, message in glue.warnings:
                if (offset, message) in warned:  # the same glue may feed several modules
                    continue
                warned.add((offset, message))
                loc = loc_of(self.source, offset)
                report.warnings.append(WarningRecord(self.rel, loc.line, loc.col + 1, message))
            if glue.problem:
                self._keep([item], glue.problem)
                continue
            runtime = self._runtime_name(item.span, runtimes)
            runtimes.append(runtime)
            edits += self._edits(item, glue, runtime, allocated)
            linked.append((item, runtime))
        if not runtimes:
            return self
        has_run_dependencies = _RUN_DEPENDENCY.search(self.source) is not None
        for item, runtime in linked:
            wasm_rel = item.record.wasm_file
            sync_link = len(item.binary) <= SYNC_LIMITS[self.settings.instantiate]
            if not sync_link and not has_run_dependencies:
                loc = loc_of(self.source, item.span.start)
                report.warnings.append(WarningRecord(self.rel, loc.line, loc.col + 1, (
                    f"{wasm_rel} links asynchronously in browsers (over {SYNC_LIMITS['auto']:,} bytes, or "
                    "--instantiate async) and this glue has no run dependencies to wait with: its exports work "
                    "only once the module is instantiated")))
            self.wasm[wasm_rel] = item.binary
            self.wasm_of[item.span.start] = wasm_rel
            # the runtimes of one file accept each other's heaps (one allocation site may feed several modules)
            context = {**item.context, "runtime": runtime, "wasm_file": wasm_rel.rsplit("/", 1)[-1],
                       "sync_link": sync_link,
                       "siblings": [name for name in runtimes if name != runtime]}
            at = self.runtime_at.get(item.span.start, len(self.source))
            edits.append(Edit(at, at, "\n" + render("migrate/runtime.js.j2", context),
                              f"the runtime of module {item.span.name} appended (function {runtime})"))
        self.text = apply_edits(self.source, edits)
        self.edits = edits
        _record_rewrites(report, self.rel, self.source, edits)
        left = {(s.name, s.line) for s in find_modules(self.text)}
        for item in compiled:
            if item.record.status == "compiled" and (item.span.name, item.span.line) in left:
                raise AssertionError(f"{self.rel}: module {item.span.name} is still asm.js after the rewrite")
        return self

    def _compile(self, span: ModuleSpan, report: MigrationReport) -> _Compiled | None:
        if span.error is not None:
            loc = loc_of(self.source, span.error_pos)
            error = {"code": "E002", "message": span.error, "line": loc.line, "col": loc.col + 1,
                     "text": f"{self.rel}:{loc.line}:{loc.col + 1}: error: {span.error} [E002]"}
            report.modules.append(_record(self.rel, self.source, span, "refused", error=error))
            return None
        if self.settings.progress:
            self.settings.progress(f"{self.rel}: compiling module {span.name} (line {span.line})")
        options = compiler.Options(module=f"{span.name}@{span.line}", jobs=self.settings.jobs,
                                   lenient=self.settings.lenient)
        started = time.perf_counter()
        try:
            result = compiler.compile_source(self.source, self.rel, options)
            binary = result.wasm()
        except CompileError as exc:
            d = exc.diagnostic
            error = {"code": d.code, "message": d.message, "line": d.loc.line, "col": d.loc.col + 1,
                     "text": d.format(self.rel, self.source)}
            report.modules.append(_record(self.rel, self.source, span, "refused", error=error))
            return None
        seconds = time.perf_counter() - started
        typed = result.typed
        for warning in typed.warnings:
            report.warnings.append(WarningRecord(self.rel, warning.loc.line, warning.loc.col + 1,
                                                 f"{warning.message} [{warning.code}]"))
        wasm_rel = self._wasm_name(span)
        record = _record(self.rel, self.source, span, "compiled", wasm_file=wasm_rel, wasm_bytes=len(binary),
                         functions=len(typed.functions), compile_seconds=round(seconds, 3))
        report.modules.append(record)
        context = shim_context(typed, result.lowered.link, wasm_rel, self.rel, esm=False)
        grow = [name for name, index in typed.exports if index == typed.grow_function]
        return _Compiled(span, record, context, grow, binary)

    def _keep(self, items: list[_Compiled], reason: str) -> None:
        for item in items:
            self.wasm.pop(item.record.wasm_file or "", None)
            item.record.status, item.record.reason = "kept", reason
            item.record.wasm_file = item.record.wasm_bytes = None

    def _wasm_name(self, span: ModuleSpan) -> str:
        stem = self.rel[: -len(Path(self.rel).suffix)]
        base = stem if len(self.spans) == 1 else f"{stem}.{_identifier(span.name)}"
        name = f"{base}.wasm"
        n = 1
        while name in self.taken:
            name = f"{base}.asm2wasm{'' if n == 1 else n}.wasm"
            n += 1
        self.taken.add(name)
        return name

    def _runtime_name(self, span: ModuleSpan, used: list[str]) -> str:
        base = f"__asm2wasm_{_identifier(span.name)}"
        name, n = base, 1
        while name in used or re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", self.source):
            n += 1
            name = f"{base}{n}"
        return name

    def _edits(self, item: _Compiled, glue: ModuleGlue, runtime: str, allocated: set[tuple[int, int]]) -> list[Edit]:
        span, source = item.span, self.source
        args = (glue.params + ["undefined"] * 3)[:3]  # the run dependency goes fourth
        body = render("migrate/module_body.js.j2", {"runtime": runtime, "args": args,
                                                    "newlines": "\n" * source.count("\n", span.body_start, span.end)})
        edits = [Edit(span.body_start, span.end, body, f"asm.js module {span.name}: body replaced by the Wasm link")]
        for alloc in glue.heap_allocations:
            if (alloc.start, alloc.end) in allocated:
                continue
            allocated.add((alloc.start, alloc.end))
            text = render("migrate/create_heap.js.j2",
                          {"runtime": runtime, "length": source[alloc.length_start : alloc.length_end],
                           "typed_array": alloc.typed_array, "size": TYPED_ARRAYS.get(alloc.typed_array or "", 1)})
            edits.append(Edit(alloc.start, alloc.end, text, f"the heap of module {span.name} is its Wasm memory"))
        for growth in glue.growth_calls:
            text = render("migrate/grown_heap.js.j2", {"runtime": runtime, "call": source[growth.start : growth.end],
                                                       "buffer": growth.buffer_name})
            edits.append(Edit(growth.start, growth.end, text,
                              f"memory growth of module {span.name}: `{growth.buffer_name}` becomes the grown memory"))
        return edits


def _identifier(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_$]", "_", name)
