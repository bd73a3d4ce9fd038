"""The command line: argument handling, output files, messages and exit codes. No compiler logic lives here.

Exit status: 0 success, 1 the input is not valid asm.js or cannot be read (a located error is printed),
2 usage error, 3 internal error (a bug: the message says how to report it).
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from asm2wasm import compiler
from asm2wasm.diagnostics import CompileError, Diagnostic
from asm2wasm.frontend import find_modules, read_source
from asm2wasm.parallel import default_jobs
from asm2wasm.wasm.optimize import OptimizerMissing, optimize
from asm2wasm.wasm.sourcemap import with_source_mapping_url

EXIT_INVALID = 1
_UMASK = os.umask(0)
os.umask(_UMASK)
EXIT_INTERNAL = 3

FAST_HELP = ("Drop the guards that make the output behave exactly like asm.js: out-of-bounds heap accesses trap "
             "(or read/write the memory past the heap's end) instead of reading 0/NaN and ignoring stores; integer "
             "division or remainder by zero and INT_MIN / -1 trap instead of giving 0 / INT_MIN; ~~x saturates "
             "instead of wrapping modulo 2^32 (NaN still gives 0). Only use it for code that never does these.")


class _DefaultCommandGroup(click.Group):
    """`asm2wasm FILE ...` means `asm2wasm compile FILE ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["compile", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="asm2wasm")
def main() -> None:
    """Compile asm.js modules to standard WebAssembly that behaves exactly as the asm.js did.

    \b
    asm2wasm game.asm.js -o game.wasm --js game.wasm.js   compile (the default command)
    asm2wasm validate game.asm.js                          check only
    asm2wasm migrate old-app/ -o new-app/                  a whole app or library build
    asm2wasm page game.asm.js -o page/                     a runnable web page

    The input is a JavaScript file holding one or more asm.js modules (functions whose body starts with
    "use asm"); `-` reads standard input.
    """


def _module_option(f):
    return click.option("--module", "module_name", metavar="NAME",
                        help="Which asm.js module of the file to use, when it holds several.")(f)


@main.command("compile")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write the Wasm module, `-` for standard output [default: INPUT with .wasm, or .wat "
                   "with -S].")
@click.option("-S", "--wat", "text", is_flag=True, help="Write the WebAssembly text format instead of the binary.")
@click.option("--js", "js_path", type=click.Path(dir_okay=False),
              help="Also write the JS companion (createHeap/link) here, plus an ES module twin with .mjs.")
@_module_option
@click.option("--fast", is_flag=True, help=FAST_HELP)
@click.option("--lenient", is_flag=True,
              help="Accept calls whose argument types differ from the callee's annotations (browsers ran such "
                   "modules as plain JavaScript): apply the conversion JavaScript would have applied, and warn.")
@click.option("-g", "--debug", is_flag=True,
              help="Also write a source map (OUTPUT.map) from Wasm code offsets to the C lines of Emscripten "
                   "`//@line` comments, or to asm.js lines where there are none, and name it in the module.")
@click.option("-O", "--optimize", is_flag=True,
              help="Run Binaryen's wasm-opt -O2 on the output (it must be installed; says so when it is not).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes for the function bodies of big modules [default: the cores available]; the output "
                   "is the same whatever the number.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors (no progress bar).")
@click.option("-v", "--verbose", is_flag=True, help="Print the time and peak memory of each phase.")
def compile_command(input_path: str, output: str | None, text: bool, js_path: str | None, module_name: str | None,
                    fast: bool, lenient: bool, debug: bool, optimize: bool, jobs: int | None, quiet: bool,
                    verbose: bool) -> None:
    """Compile the asm.js module in INPUT to a .wasm file (and its JS companion with --js)."""
    to_stdout = output == "-"
    if to_stdout and (debug or js_path):
        raise click.UsageError("-o - cannot be combined with -g or --js (they refer to the output by its file name)")
    source, name = _read(input_path)
    out = Path(output) if output else _default_output(input_path, ".wat" if text else ".wasm")
    js = Path(js_path) if js_path else None
    _refuse_overwriting_input(input_path, [out, js, js.with_suffix(".mjs") if js else None])
    bar = ProgressLine() if not quiet and len(source) > PROGRESS_THRESHOLD and sys.stderr.isatty() else None
    if debug and (optimize or text):
        raise click.UsageError("-g cannot be combined with -O or -S (the map describes the unoptimized binary)")
    if jobs is None:
        jobs = 1 if text else default_jobs()  # the text format needs the instructions in this process
    options = compiler.Options(module=module_name, fast=fast, lenient=lenient, debug=debug, jobs=jobs,
                               progress=bar)
    compiled = _run(lambda: compiler.compile_source(source, name, options), name, source)
    for warning in compiled.typed.warnings:
        _print_diagnostic(warning, name, source)
    binary = _run(compiled.wasm, name, source)
    if optimize:
        binary = _optimized(binary, name)
    if bar is not None:
        bar.done()
    outputs = {out: compiled.wat().encode() if text else binary}
    if debug:
        map_path = out.with_name(out.name + ".map")
        outputs[map_path] = compiled.source_map(binary, source, name, out.name).encode()
        outputs[out] = with_source_mapping_url(binary, map_path.name)
    if js is not None:
        wasm_ref = os.path.relpath(out, js.parent) if not text else out.with_suffix(".wasm").name
        outputs[js] = compiled.shim(wasm_ref, name, esm=False).encode()
        outputs[js.with_suffix(".mjs")] = compiled.shim(wasm_ref, name, esm=True).encode()
    if to_stdout:
        sys.stdout.buffer.write(outputs.pop(out))
        sys.stdout.buffer.flush()
    for path, data in outputs.items():
        write_atomically(path, data)
    if verbose:
        for phase, seconds in compiled.timings.items():
            peak = compiled.peak_rss.get(phase, 0) / (1 << 20)
            click.echo(f"  {phase:<8} {seconds * 1000:9.1f} ms   peak memory {peak:7.1f} MiB", err=True)
            if phase == "parallel" and compiled.worker_timings:
                split = ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in compiled.worker_timings.items())
                click.echo(f"    slowest worker: {split}", err=True)
    if not quiet:
        written = ", ".join(["standard output"] * to_stdout + [str(p) for p in outputs])
        click.echo(f"{name}: module {compiled.typed.name or '(anonymous)'}: "
                   f"{len(compiled.typed.functions)} functions -> {written}", err=True)
    _exit_now_if_standalone()


@main.command("validate")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@_module_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def validate_command(input_path: str, module_name: str | None, as_json: bool) -> None:
    """Check that INPUT is valid asm.js, without writing anything, and say what the module holds."""
    source, name = _read(input_path)
    options = compiler.Options(module=module_name, jobs=default_jobs())
    typed = _run(lambda: compiler.validate(source, name, options), name, source)
    summary = _summary(typed)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{name}: valid asm.js module {typed.name or '(anonymous)'}")
    for key in ("functions", "tables", "exports", "heap_views", "stdlib_imports", "foreign_imports", "globals"):
        click.echo(f"  {key.replace('_', ' '):<16} {_listing(summary[key])}")


LISTED = 12  # longer lists show their first names and how many there are (--json has them all)


def _listing(names: list[str]) -> str:
    if not names:
        return "-"
    if len(names) <= LISTED:
        return ", ".join(names)
    return ", ".join(names[:LISTED - 2]) + f", ... ({len(names)} in all; --json lists them)"


@main.command("modules")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
def modules_command(input_path: str) -> None:
    """List the asm.js modules found in INPUT, with their lines."""
    source, name = _read(input_path)
    spans = _run(lambda: find_modules(source), name, source)
    for span in spans:
        click.echo(f"{name}:{span.line}: {span.name}")
    if not spans:
        click.echo(f"{name}: no asm.js module", err=True)
        sys.exit(EXIT_INVALID)


@main.command("migrate")
@click.argument("app", metavar="APP", type=click.Path(exists=True, file_okay=True, dir_okay=True))
@click.option("-o", "--output", "out", type=click.Path(file_okay=False),
              help="The new directory for the migrated app (required unless --dry-run).")
@click.option("--force", is_flag=True,
              help="Replace OUT if it exists (it is replaced only once the result is complete).")
@click.option("--dry-run", is_flag=True, help="Compile and analyse, print the report, write nothing.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes for the function bodies of big modules [default: the cores available].")
@click.option("--strict", is_flag=True,
              help="Keep as asm.js any module that is not strictly valid. By default a call whose argument types "
                   "differ from the callee's annotations (a C prototype mismatch) is compiled with the conversion "
                   "JavaScript applied, and reported as a warning (as --lenient does for one module).")
@click.option("--instantiate", type=click.Choice(["auto", "async"]), default="auto", show_default=True,
              help="How browsers link the Wasm: auto = synchronously, like the asm.js, when the module is at most "
                   "8 MiB (the main-thread limit of Chromium), else asynchronously holding the app's run() back "
                   "through its run dependencies; async = always asynchronously. Node always links synchronously.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors and the final summary line.")
def migrate_command(app: str, out: str | None, force: bool, dry_run: bool, jobs: int | None, strict: bool,
                    instantiate: str, quiet: bool) -> None:
    """Migrate APP (a directory with a page and its scripts, or one library .js file) to WebAssembly in OUT.

    \b
    Every asm.js module is compiled to a .wasm file next to its script, the script's glue is rewritten to use it
    (the rest of the file is kept byte for byte), pages that include a migrated script load the Wasm before
    running it (asm2wasm-loader.js), everything else is copied unchanged, and OUT/MIGRATION.md and
    OUT/migration.json report what was done. APP is never modified; OUT appears only when complete.

    \b
    Exit status: 0 every module migrated; 1 nothing migrated and nothing written (no asm.js in APP, or OUT exists
    without --force, or cannot be used); 2 migrated, but some module was kept as asm.js (not valid asm.js, or glue
    not understood: see the report); 3 internal error.
    """
    from asm2wasm.glue import migrate as migration

    progress = None if quiet else (lambda message: click.echo(message, err=True))
    settings = migration.Settings(force=force, dry_run=dry_run, jobs=jobs or default_jobs(), progress=progress,
                                  lenient=not strict, instantiate=instantiate)

    def attempt() -> migration.MigrationReport:
        try:
            return migration.migrate(Path(app), Path(out) if out else None, settings)
        except migration.MigrationRefused as refused:
            click.echo(f"asm2wasm migrate: {refused}", err=True)
            sys.exit(EXIT_INVALID)

    report = _run(attempt, app)
    if dry_run:
        click.echo(report.markdown(), nl=False)
    for module in report.modules:
        if module.error:
            click.echo(module.error["text"], err=True)
    migrated = len(report.migrated)
    where = "dry run, nothing written" if dry_run else f"report in {Path(out) / 'MIGRATION.md'}"
    click.echo(f"asm2wasm migrate: {migrated} of {len(report.modules)} asm.js modules migrated, "
               f"{len(report.rewrites)} glue rewrites, {len(report.warnings)} warnings ({where})", err=True)
    if report.exit_status:
        sys.exit(report.exit_status)
    _exit_now_if_standalone()


@main.command("page")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", "out", required=True, type=click.Path(file_okay=False),
              help="The new directory for the page (index.html, the .wasm, loader.mjs, loader.js).")
@click.option("--single-file", is_flag=True,
              help="Inline the Wasm as base64 in loader.js and use classic scripts only: index.html then works "
                   "from file:// as well as from a server (no fetch, no module script).")
@click.option("--heap-size", type=click.IntRange(min=4096), default=None, metavar="BYTES",
              help="The heap the page gives the module [default: 65536]; a valid asm.js heap length.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists (only once the new page is complete).")
@_module_option
@click.option("--fast", is_flag=True, help=FAST_HELP)
@click.option("--lenient", is_flag=True, help="As for compile: coerce mismatched call arguments, with a warning.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
def page_command(input_path: str, out: str, single_file: bool, heap_size: int | None, force: bool,
                 module_name: str | None, fast: bool, lenient: bool, quiet: bool) -> None:
    """Make a runnable web page for the standalone asm.js module in INPUT, in the new directory OUT.

    \b
    The page loads the module (streaming compilation, or the ArrayBuffer fallback when the server does not send
    application/wasm), shows a status line while it loads, then lists the exports with their signatures and lets
    you call them; `window.asmModule` holds the exports and heap. Nothing generated uses eval: the page works under
    a Content-Security-Policy allowing only 'self' and 'wasm-unsafe-eval'. Try it with `asm2wasm serve OUT`.
    """
    from asm2wasm.glue import page

    settings = page.PageSettings(single_file=single_file, heap_size=heap_size or page.DEFAULT_HEAP_SIZE)
    if not page.valid_heap_size(settings.heap_size):
        raise click.UsageError(f"--heap-size {settings.heap_size} is not an asm.js heap length (a power of two "
                               "from 4096 to 16 MiB, or a multiple of 16 MiB)")
    target = Path(out)
    try:
        page.check_output(target.resolve(), force)
    except page.PageRefused as refused:
        click.echo(f"asm2wasm page: {refused}", err=True)
        sys.exit(EXIT_INVALID)
    source, name = _read(input_path)
    options = compiler.Options(module=module_name, fast=fast, lenient=lenient, jobs=default_jobs())
    compiled = _run(lambda: compiler.compile_source(source, name, options), name, source)
    for warning in compiled.typed.warnings:
        _print_diagnostic(warning, name, source)
    binary = _run(compiled.wasm, name, source)
    files = _run(lambda: page.page_files(compiled, binary, name, settings), name, source)
    try:
        page.write_page(files, target, force)
    except page.PageRefused as refused:
        click.echo(f"asm2wasm page: {refused}", err=True)
        sys.exit(EXIT_INVALID)
    if not quiet:
        click.echo(f"{name}: module {compiled.typed.name or '(anonymous)'}: page in {target / 'index.html'} "
                   f"({len(binary)} bytes of Wasm{', single file' if single_file else ''}); "
                   f"try: asm2wasm serve {target}", err=True)
    _exit_now_if_standalone()


@main.command("serve")
@click.argument("directory", metavar="DIR", type=click.Path(exists=True, file_okay=False))
@click.option("-p", "--port", type=click.IntRange(min=0, max=65535), default=8000, show_default=True,
              help="The port on 127.0.0.1 (0: any free port; the URL printed says which).")
@click.option("--csp", is_flag=True,
              help="Send Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'.")
@click.option("--wrong-wasm-mime", is_flag=True,
              help="Test aid: send .wasm files as application/octet-stream, like a misconfigured server.")
@click.option("-v", "--verbose", is_flag=True, help="Print one line per request on stderr.")
def serve_command(directory: str, port: int, csp: bool, wrong_wasm_mime: bool, verbose: bool) -> None:
    """Serve DIR (a generated page or a migrated app) on 127.0.0.1 with the right MIME types, until Ctrl-C."""
    from asm2wasm.glue import serve

    log = (lambda line: click.echo(line, err=True)) if verbose else None
    settings = serve.ServeSettings(port=port, csp=csp, wrong_wasm_mime=wrong_wasm_mime, log=log)

    def announce(url: str) -> None:
        extras = [flag for flag, on in (("CSP", csp), ("wrong .wasm MIME type", wrong_wasm_mime)) if on]
        click.echo(f"Serving {directory} at {url}" + (f" ({', '.join(extras)})" if extras else ""))
        click.echo("Press Ctrl-C to stop.", err=True)
        sys.stdout.flush()

    try:
        serve.serve(Path(directory), settings, announce)
    except OSError as error:
        click.echo(f"asm2wasm serve: cannot listen on {serve.HOST}:{port}: {error.strerror or error}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo("stopped", err=True)


PROGRESS_THRESHOLD = 1 << 20  # inputs above 1 MB get a progress line (on a terminal, without -q)


class ProgressLine:
    """A one-line progress display on stderr: `check  [#####     ] 812/1790 functions`."""

    WIDTH = 30

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        if total == 0:  # a phase without a count: just say which one is running
            sys.stderr.write(f"\r{phase + '...':<{self.WIDTH + 30}}")
            sys.stderr.flush()
            self.shown = True
            return
        filled = self.WIDTH * done // total
        sys.stderr.write(f"\r{phase:<6} [{'#' * filled}{' ' * (self.WIDTH - filled)}] {done}/{total} functions")
        sys.stderr.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * (self.WIDTH + 40) + "\r")
            sys.stderr.flush()


def _optimized(binary: bytes, name: str) -> bytes:
    try:
        return optimize(binary)
    except OptimizerMissing as missing:
        click.echo(f"{name}: warning: -O: wasm-opt was not found ({missing}); writing the unoptimized module",
                   err=True)
    except subprocess.CalledProcessError as failed:
        click.echo(f"{name}: warning: -O: wasm-opt failed ({failed.stderr.decode(errors='replace').strip()}); "
                   "writing the unoptimized module", err=True)
    return binary


def _summary(typed) -> dict:
    functions = [f.name for f in typed.functions]
    return {
        "module": typed.name,
        "functions": functions,
        "function_count": len(functions),
        "tables": [f"{t.name}[{len(t.funcs)}]" for t in typed.tables],
        "exports": [name for name, _ in typed.exports],
        "heap_views": [f"{name}: {view.ctor}" for name, view in typed.heap_views.items()],
        "stdlib_imports": [f"Math.{m}" for m in typed.math_imports],
        "foreign_imports": sorted({name for name, _, _ in typed.foreign_calls}
                                  | {g.foreign for g in typed.globals if g.foreign}),
        "globals": [g.name for g in typed.globals if g.foreign is None],
    }


def _read(input_path: str) -> tuple[str, str]:
    name = "<stdin>" if input_path == "-" else input_path
    try:
        return read_source(input_path), name
    except CompileError as error:
        _fail(error.diagnostic, name, None)
    except OSError as error:
        click.echo(f"{name}: error: cannot read the input: {error.strerror or error}", err=True)
        sys.exit(EXIT_INVALID)


def _run(step, name: str, source: str | None = None):
    """Run a step: a CompileError is printed with its location; an interruption or a bug ends cleanly."""
    try:
        return step()
    except CompileError as error:
        _fail(error.diagnostic, name, source)
    except KeyboardInterrupt:
        click.echo("asm2wasm: interrupted; nothing was written", err=True)
        sys.exit(130)
    except Exception as error:
        click.echo(f"{name}: internal error: {type(error).__name__}: {error}\n"
                   "asm2wasm: this is a bug in asm2wasm; please report it with the input. Nothing was written.",
                   err=True)
        if os.environ.get("ASM2WASM_DEBUG"):
            raise
        sys.exit(EXIT_INTERNAL)


def _print_diagnostic(diagnostic: Diagnostic, name: str, source: str | None) -> None:
    click.echo(diagnostic.format(name, source), err=True)


def _fail(diagnostic: Diagnostic, name: str, source: str | None):
    _print_diagnostic(diagnostic, name, source)
    sys.exit(EXIT_INVALID)


def _default_output(input_path: str, suffix: str) -> Path:
    if input_path == "-":
        return Path("out" + suffix)
    path = Path(input_path)
    stem = path.name[: -len(".asm.js")] if path.name.endswith(".asm.js") else path.stem
    return path.with_name(stem + suffix)


def _refuse_overwriting_input(input_path: str, outputs: list[Path | None]) -> None:
    if input_path == "-":
        return
    source = Path(input_path).resolve()
    for out in outputs:
        if out is not None and out.resolve() == source:
            raise click.UsageError(f"the output {out} would overwrite the input")


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see a partial file."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise click.UsageError(f"the output directory {directory} does not exist")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600 files; give the usual permissions
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


_STANDALONE = False


def entry() -> None:
    """The console script: like `main`, but free to end the process without tearing down its big trees."""
    global _STANDALONE
    _STANDALONE = True
    # A short-lived process building acyclic trees: the cyclic collector would only rescan them, for seconds.
    gc.disable()
    main()


def _exit_now_if_standalone() -> None:
    # Freeing millions of tree nodes one by one takes seconds on big modules; the outputs are written and
    # closed, so a program run from the command line can simply end here.
    if _STANDALONE:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    entry()
