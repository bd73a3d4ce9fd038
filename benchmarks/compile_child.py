"""One compile measurement, run by `run.py` in a fresh Python process so that its peak RSS belongs to these inputs.

    python benchmarks/compile_child.py [--fast] [--module NAME] [--out-dir DIR] [--span-dir DIR] [--memory-limit-mb N]
                                       FILE...

Compiles each FILE in turn and prints one JSON line per file, then a last line ``{"peak_rss_kb": N}``:

    {"file", "bytes", "ok", "error", "module", "directive", "functions", "wasm_bytes", "span", "times": {phase: s}}

Phases: ``extract`` (reading and decoding the file, finding the module: ``find_modules`` + ``select_module``),
``parse``, ``check``, ``lower``, ``encode`` (as ``compiler.compile_source`` and ``Compiled.wasm()`` time them; the
``parse`` phase finds the module again before parsing it, so the ``extract`` search time measured here is taken off
it).
With ``--out-dir`` the Wasm module and its JS companion (not timed) are written to ``DIR/<file stem>.wasm`` and
``.shim.js``; with ``--span-dir`` the module function's own text (what V8 is given) is written to
``DIR/<file stem>.module.js``. ``--no-versioning`` compiles with every heap access checked on its own (no range
versioning, see asm2wasm/lower/versioning.py): the exact output as it was before, for comparisons.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from asm2wasm import compiler, frontend
from asm2wasm.diagnostics import CompileError
from asm2wasm.parallel import default_jobs


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".asm.js", ".js"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def compile_one(path: Path, options: compiler.Options, out_dir: Path | None, span_dir: Path | None) -> dict[str, Any]:
    """Compile `path`, timing each phase; never raises for a bad input (the error is in the result)."""
    result: dict[str, Any] = {"file": str(path), "bytes": path.stat().st_size, "ok": False, "error": None, "times": {}}
    times: dict[str, float] = result["times"]
    try:
        t0 = time.perf_counter()
        source = frontend.read_source(str(path))
        t1 = time.perf_counter()
        span = frontend.select_module(frontend.find_modules(source), options.module)
        t2 = time.perf_counter()
        times["extract"] = t2 - t0
        search = t2 - t1
        result.update(module=span.name, directive=span.directive)
        if span_dir is not None:
            span_path = span_dir / f"{_stem(path)}.module.js"
            span_path.write_text(source[span.start : span.end] + "\n", encoding="utf-8")
            result["span"] = str(span_path)

        compiled = compiler.compile_source(source, str(path), options)
        times["parse"] = max(0.0, compiled.timings.get("parse", 0.0) - search)
        for phase in ("check", "lower"):
            times[phase] = compiled.timings.get(phase, 0.0)
        if "parallel" in compiled.timings:  # bodies parsed, checked, lowered and encoded on several cores
            # the wall time of the parallel phase, split as the slowest worker's phases were (fork and pipe
            # overhead spread in proportion)
            wall, split = compiled.timings["parallel"], compiled.worker_timings
            busy = sum(split.values())
            for phase in ("parse", "check", "lower", "encode"):
                share = split.get(phase, 0.0) / busy if busy else (1.0 if phase == "check" else 0.0)
                times[phase] = times.get(phase, 0.0) + wall * share
            result["jobs"] = options.jobs
        t3 = time.perf_counter()
        wasm = compiled.wasm()
        times["encode"] = times.get("encode", 0.0) + compiled.timings.get("encode", time.perf_counter() - t3)
        result.update(ok=True, functions=len(compiled.typed.functions), wasm_bytes=len(wasm))
        result["peak_rss_after"] = dict(getattr(compiled, "peak_rss", {}))  # phase -> bytes, when the compiler says
        if out_dir is not None:
            stem = _stem(path)
            (out_dir / f"{stem}.wasm").write_bytes(wasm)
            shim = compiled.shim(f"{stem}.wasm", path.name)
            (out_dir / f"{stem}.shim.js").write_text(shim, encoding="utf-8")
            result.update(wasm_path=str(out_dir / f"{stem}.wasm"), shim_path=str(out_dir / f"{stem}.shim.js"))
    except CompileError as error:
        result["error"] = error.diagnostic.format(path.name, None).splitlines()[0]
    except MemoryError:
        result["error"] = "out of memory (MemoryError)"
    except Exception as error:  # a compiler bug: report it in the row, keep the benchmark going
        result["error"] = f"internal error: {type(error).__name__}: {error}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--module")
    parser.add_argument("--out-dir", type=Path)
    parser.add_argument("--span-dir", type=Path)
    parser.add_argument("--memory-limit-mb", type=int, default=0, help="address-space limit (0: none)")
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="processes for function bodies (as -j)")
    parser.add_argument("--no-versioning", action="store_true", help="check every heap access on its own")
    args = parser.parse_args(argv)
    if args.memory_limit_mb > 0:
        limit = args.memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for directory in (args.out_dir, args.span_dir):
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
    gc.disable()  # as the command line does: a short-lived process building acyclic trees
    options = compiler.Options(module=args.module, fast=args.fast, jobs=args.jobs, versioning=not args.no_versioning)
    for path in args.files:
        print(json.dumps(compile_one(path, options, args.out_dir, args.span_dir)), flush=True)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak_rss_kb": peak_kb}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
