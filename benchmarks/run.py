"""`make bench`: how fast asm2wasm compiles real asm.js, and how fast its output runs, against V8 in the same run.

    python benchmarks/run.py [--only NAME[,NAME...]] [--no-compile] [--no-run] [--timeout S] [--runs N] [--json PATH]
                             [--compile-runs N] [--unversioned]

Compile benchmark, one row per input (the fixtures in fixtures/valid as one aggregate row, fixtures/demo, sql.js@0.5.0
js/sql.js, js/sql-memory-growth.js, js/sql-debug.js, ammo.js@0.0.10 ammo.js; npm packages come from the ignored
.cache/npm/ via tests/realworld/npm_cache.py):

* asm2wasm compiles the input in a fresh Python process (`compile_child.py`), which times each phase: extract
  (reading the file and finding the module), parse, check, lower, encode; its peak RSS comes from `wait4`, so it
  holds for one input and is known even when the compile is killed. Each compile has a time limit (`--timeout`,
  600 s by default) and an address-space limit; a timeout, crash or compile error is reported in the row. The
  phases of the fastest of `--compile-runs` fresh processes are kept (the peak RSS and outputs of the first).
* V8 compiles the same module (the span our extractor found, alone) in node: `v8_compile.js` times evaluating the
  module function and its first call `M(stdlib, foreign, heap)`: together V8's parse, validation, translation to
  Wasm and compilation (node 20's V8 compiles the whole module with TurboFan, on its worker threads too: this is
  wall time, while our compile stops at the Wasm bytes), and `%IsAsmWasmCode(M)` tells whether V8 accepted it. The
  best of `--v8-runs` fresh node processes is kept. An "almost asm" build is not validated by V8 (it runs as plain
  JavaScript): its row says so and has no ratio.
* ours/V8 is our total compile time over V8's time for the same module(s). After the first compile, our compiles
  and V8's alternate, so that a busy moment of the shared machine falls on both sides.

Run-time benchmark (skip it with `--no-run`), the original asm.js run by node against our output, exact (default)
and `--fast` (and with `--unversioned` the exact output without range versioning, every heap access checked on its
own: asm2wasm/lower/versioning.py), each in its own node process, best of `--runs`, the modes interleaved:

* sha256: asmcrypto.js@0.22.0's SHA256 class over 64 MiB (`sha256_run.js`; the module is extracted by
  tests/realworld/asmcrypto_run.js --list-modules);
* sql.js: the workload of tests/realworld/sqljs_run.js on js/sql.js (its `workloadMs`);
* ammo.js: the simulation of tests/realworld/ammo_run.js (its `simulateMs`, `--ammo-steps` steps: each step, then
  every body's position and rotation read back through Ammo's bindings, as an app reads them to draw a frame; the
  readings' text form for the comparison is made after the clock stops);
* ammo-steps: the physics steps alone (benchmarks/ammo_steps.js: the original and our builds in one node process,
  interleaved round by round, medians of its rounds).

Each workload is run three times: with node's defaults (Wasm compiled lazily, by Liftoff first, then tiered up while
it runs, whereas asm.js is compiled whole by TurboFan at load), with the Wasm compiled whole by TurboFan up front too
(`--no-liftoff --no-wasm-lazy-compilation`, "[eager TurboFan]": the code quality alone), and so with the branch
hints of our output taken (`--experimental-wasm-branch-hinting`, "[eager TurboFan, hints]"), as Chrome since 136 and
Firefox take them; node 20 does not by default (the asm.js has none: its row only measures it again). The load
times (when V8 compiles the asm.js) are in the notes, and the sums of load and work (what a page waits for), and,
since a fresh process's JIT warm-up varies by a few percent, the median of the runs beside the best one. Ratios
are Wasm time / asm.js time: lower is better. "same output" says whether the output equals the original's (SHA-256
digest, every SQL result, every body's position at every step). A workload whose driver is missing says "not yet";
a mode that could not be compiled says "no output".

Results are also written as JSON to .cache/bench/latest.json (`--json`). Times in unit tests are never asserted: this
is the place for speed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CACHE = REPO_ROOT / ".cache" / "bench"
REALWORLD = REPO_ROOT / "tests" / "realworld"
PHASES = ("extract", "parse", "check", "lower", "encode")
COMPILE_COLUMNS = ("input", "size", *PHASES, "total", "peak RSS", ".wasm", "V8", "ours/V8")
RUN_COLUMNS = ("workload", "asm.js", "exact", "exact/asm.js", "--fast", "fast/asm.js", "same output (exact / fast)")

SQLJS = "sql.js@0.5.0"
AMMO = "ammo.js@0.0.10"
ASMCRYPTO = "asmcrypto.js@0.22.0"


def _npm_cache():
    """tests/realworld/npm_cache.py, loaded by path (the tests directory is not a package)."""
    spec = importlib.util.spec_from_file_location("asm2wasm_bench_npm_cache", REALWORLD / "npm_cache.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def package(spec: str) -> Path:
    """The unpacked npm package (fetched once into .cache/npm/)."""
    return _npm_cache().fetch_package(spec)


@dataclass(frozen=True)
class Input:
    name: str
    files: Callable[[], list[Path]]
    module: str | None = None
    aggregate: bool = False


INPUTS = (
    Input("fixtures", lambda: sorted((REPO_ROOT / "fixtures" / "valid").glob("*.js")), aggregate=True),
    Input("demo", lambda: [REPO_ROOT / "fixtures" / "demo" / "demo.asm.js"]),
    Input("sql.js", lambda: [package(SQLJS) / "js" / "sql.js"], "asm"),
    Input("sql-memory-growth.js", lambda: [package(SQLJS) / "js" / "sql-memory-growth.js"], "asm"),
    Input("sql-debug.js", lambda: [package(SQLJS) / "js" / "sql-debug.js"], "asm"),
    Input("ammo.js", lambda: [package(AMMO) / "ammo.js"], "asm"),
)
WORKLOADS = ("sha256", "sql.js", "ammo.js", "ammo-steps")
STEPS_ROUNDS = 5  # rounds of ammo_steps.js: each round builds a scene per build in ammo's 64 MiB heap (~20 fit)


# ---------------------------------------------------------------------------------------------------------------
# running children


@dataclass
class ChildRun:
    returncode: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    peak_rss_kb: int

    @property
    def timed_out(self) -> bool:
        return self.returncode is None

    def failure(self) -> str | None:
        if self.timed_out:
            return f"timeout after {self.seconds:.0f} s"
        if self.returncode and self.returncode < 0:
            hint = " (out of memory?)" if self.returncode == -9 else ""
            return f"killed by signal {-self.returncode}{hint}"
        if self.returncode:
            tail = [line for line in self.stderr.splitlines() if line.strip()][-1:] or ["no output"]
            return f"exit {self.returncode}: {tail[0][:200]}"
        return None


def run_child(cmd: list[str], timeout: float, cwd: Path = REPO_ROOT) -> ChildRun:
    """Run `cmd` with a time limit; its own peak RSS comes from wait4 (also when it is killed)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, text=True, start_new_session=True)
        deadline = start + timeout
        returncode: int | None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                returncode = os.waitstatus_to_exitcode(status)
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, 9)  # the child's own process group (start_new_session)
                _, status, usage = os.wait4(proc.pid, 0)
                returncode = None
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = -9 if returncode is None else returncode  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        return ChildRun(returncode, out.read(), err.read(), seconds, usage.ru_maxrss)


def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        sys.exit("node is required for the benchmarks")
    return exe


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# compiling


@dataclass
class Compile:
    """One child compile of one or more files."""

    files: list[dict[str, Any]]
    child: ChildRun
    error: str | None  # the whole child failed (timeout, crash)


def compile_files(files: list[Path], module: str | None, fast: bool, out_dir: Path | None, span_dir: Path | None,
                  args: argparse.Namespace, unversioned: bool = False) -> Compile:
    cmd = [sys.executable, str(BENCH_DIR / "compile_child.py"), *map(str, files)]
    if module:
        cmd += ["--module", module]
    if fast:
        cmd.append("--fast")
    if unversioned:
        cmd.append("--no-versioning")
    if out_dir is not None:
        cmd += ["--out-dir", str(out_dir)]
    if span_dir is not None:
        cmd += ["--span-dir", str(span_dir)]
    cmd += ["--memory-limit-mb", str(args.memory_limit_mb)]
    child = run_child(cmd, args.timeout)
    results = []
    for line in child.stdout.splitlines():
        record = json.loads(line)
        if "file" in record:
            results.append(record)
    return Compile(results, child, child.failure())


def v8_measure(spans: list[Path], args: argparse.Namespace, best: list[dict[str, Any]] | None = None
               ) -> tuple[list[dict[str, Any]] | None, str]:
    """V8's time per module (evaluation + first call) in one fresh node process, kept where faster than `best`
    (the runs so far); with an error message when node failed (then `best` unchanged)."""
    cmd = [node(), "--allow-natives-syntax", str(BENCH_DIR / "v8_compile.js"), *map(str, spans)]
    child = run_child(cmd, args.timeout)
    if child.failure():
        return best, f"node: {child.failure()}"
    results = json.loads(child.stdout)
    if best is None:
        return results, ""
    for kept, new in zip(best, results):
        if new["ms"] < kept["ms"]:
            kept.update(new)
    return best, ""


def compile_benchmark(selected: list[Input], args: argparse.Namespace, outputs: dict[str, Path]) -> list[dict]:
    rows = []
    for item in selected:
        try:
            files = item.files()
        except Exception as error:  # npm unreachable, ...
            rows.append({"input": item.name, "error": f"cannot get the input: {error}"})
            continue
        size = sum(f.stat().st_size for f in files)
        label = f"fixtures/valid ({len(files)} files)" if item.aggregate else item.name
        progress(f"[bench] compiling {label} ({_size(size)}), time limit {args.timeout:.0f} s ...")
        span_dir = CACHE / "spans" / item.name
        out_dir = None if item.aggregate else CACHE / "out" / item.name / "exact"
        for directory in (span_dir, out_dir):
            if directory is not None:
                shutil.rmtree(directory, ignore_errors=True)
        result = compile_files(files, item.module, False, out_dir, span_dir, args)
        spans = [Path(f["span"]) for f in result.files if f.get("span")]
        if spans:
            progress(f"[bench]   V8 compiles the same module{'s' if len(spans) > 1 else ''}, then both again ...")
        # The best of several fresh processes on each side, ours and V8's alternating, so that a busy moment of the
        # machine falls on both.
        v8_best, v8_error = None, ""
        for run in range(max(args.compile_runs - 1, args.v8_runs if spans else 0)):
            if spans and run < args.v8_runs and not v8_error:
                v8_best, v8_error = v8_measure(spans, args, v8_best)
            if run < args.compile_runs - 1 and not result.error:
                _keep_faster(result.files, compile_files(files, item.module, False, None, None, args).files)
        row: dict[str, Any] = {
            "input": label, "name": item.name, "files": len(files), "bytes": size,
            "wall_seconds": result.child.seconds, "peak_rss_kb": result.child.peak_rss_kb,
            "error": result.error, "per_file": result.files,
        }
        failed = [f for f in result.files if not f["ok"]]
        if failed:
            row["error"] = "; ".join(f"{Path(f['file']).name}: {f['error']}" for f in failed[:3])
        if result.files and not result.error:
            row["times"] = {p: sum(f["times"].get(p, 0.0) for f in result.files) for p in PHASES}
            row["total"] = sum(row["times"].values())
            row["wasm_bytes"] = sum(f.get("wasm_bytes", 0) for f in result.files)
            row["directive"] = result.files[0].get("directive")
            if not item.aggregate and result.files[0]["ok"]:
                outputs[item.name] = Path(result.files[0]["shim_path"])
        progress(f"[bench]   {row['error'] or 'ok'} ({result.child.seconds:.1f} s)")
        if spans:
            row["v8"] = _v8_row(v8_best, v8_error, result.files)
        rows.append(row)
    return rows


def _keep_faster(kept: list[dict[str, Any]], again: list[dict[str, Any]]) -> None:
    """Per file, the phase times of the faster of two compiles (the first one's outputs stay)."""
    for mine, other in zip(kept, again):
        if mine["ok"] and other["ok"] and sum(other["times"].values()) < sum(mine["times"].values()):
            mine["times"] = other["times"]


def _v8_row(lazy: list[dict[str, Any]] | None, error: str, ours: list[dict[str, Any]]) -> dict[str, Any]:
    if lazy is None:
        return {"error": error}
    accepted = [r["asm"] for r in lazy]
    ours_by_span = {f.get("span"): f for f in ours}
    v8: dict[str, Any] = {
        "asm": all(accepted),
        "accepted": sum(accepted),
        "modules": len(lazy),
        "directive": lazy[0]["directive"],
        "ms": sum(r["ms"] for r in lazy if r["asm"]),
        "warnings": sorted({w for r in lazy for w in r["warnings"]})[:5],
        "errors": sorted({r["error"] for r in lazy if r["error"]})[:5],
        "error": error or None,
        "per_module": lazy,
    }
    # ours over the same modules V8 accepted
    ours_ms = 0.0
    for r, ok in zip(lazy, accepted):
        mine = ours_by_span.get(r["file"])
        if ok and mine and mine["ok"]:
            ours_ms += 1000 * sum(mine["times"].values())
    if v8["accepted"] and v8["ms"] > 0 and ours_ms > 0:
        v8["ratio"] = ours_ms / v8["ms"]
    return v8


# ---------------------------------------------------------------------------------------------------------------
# running


def ensure_compiled(name: str, source: Path, module: str | None, mode: str, args: argparse.Namespace,
                    outputs: dict[str, Path]) -> tuple[Path | None, str | None]:
    """The shim of `source` compiled exact (reused from the compile benchmark), with --fast, or exact without
    range versioning ("unversioned")."""
    fast, unversioned = mode == "fast", mode == "unversioned"
    key = f"{name}{'' if mode == 'exact' else ' --' + mode}"
    if key in outputs:
        return outputs[key], None
    out_dir = CACHE / "out" / name / mode
    shutil.rmtree(out_dir, ignore_errors=True)
    progress(f"[bench] compiling {key} for the run-time benchmark ...")
    result = compile_files([source], module, fast, out_dir, None, args, unversioned)
    error = result.error or (result.files[0]["error"] if result.files else "no result")
    if result.files and result.files[0]["ok"] and not result.error:
        outputs[key] = Path(result.files[0]["shim_path"])
        return outputs[key], None
    return None, f"compile failed: {error}"


@dataclass
class Workload:
    name: str
    command: Callable[[Path | None], list[str]]  # node command line for the original (None) or a shim
    time_of: Callable[[dict[str, Any]], float]  # ms of real work in the driver's JSON
    comparable: Callable[[dict[str, Any]], Any]  # what must equal the original's
    source: Path
    module: str | None
    label: str


class MissingDriver(RuntimeError):
    """The node driver of a workload does not exist (yet)."""


def _driver(name: str) -> Path:
    path = REALWORLD / name
    if not path.is_file():
        raise MissingDriver(f"tests/realworld/{name} does not exist")
    return path


def _workload(name: str, args: argparse.Namespace) -> Workload:
    if name == "sha256":
        pkg = package(ASMCRYPTO)
        listing = run_child([node(), str(_driver("asmcrypto_run.js")), "--package", str(pkg), "--list-modules"],
                            args.timeout)
        if listing.failure():
            raise RuntimeError(f"asmcrypto_run.js --list-modules: {listing.failure()}")
        module = next(m for m in json.loads(listing.stdout) if m["id"] == "asmcrypto.all.js#sha256_asm")
        source = CACHE / "asmcrypto" / "sha256_asm.asm.js"
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(module["source"], encoding="utf-8")
        return Workload(
            name,
            lambda shim: [node(), str(BENCH_DIR / "sha256_run.js"), "--package", str(pkg), "--mb", str(args.sha_mb),
                          *(["--shim", str(shim)] if shim else [])],
            lambda r: min(r["ms"]),
            lambda r: (r["ok"], r["digest"]),
            source, "sha256_asm", f"SHA-256 {args.sha_mb} MiB (asmcrypto)",
        )
    if name == "sql.js":
        driver = _driver("sqljs_run.js")
        build = package(SQLJS) / "js" / "sql.js"
        return Workload(
            name,
            lambda shim: [node(), str(driver), "--file", str(build),
                          *(["--shim", str(shim)] if shim else [])],
            lambda r: r["workloadMs"],
            lambda r: (r["results"], r["checks"]),
            build, "asm", "sql.js workload",
        )
    if name == "ammo.js":
        driver = _driver("ammo_run.js")
        build = package(AMMO) / "ammo.js"
        return Workload(
            name,
            lambda shim: [node(), str(driver), "--file", str(build), "--steps",
                          str(args.ammo_steps), *(["--shim", str(shim)] if shim else [])],
            lambda r: r["simulateMs"],
            lambda r: (r["trace"], r["final"], r["rayHit"]),
            build, "asm", f"ammo.js {args.ammo_steps} steps",
        )
    raise ValueError(name)


# node flags for the run-time benchmark. asm.js is compiled whole by TurboFan when the module function is first
# called (in the load time); Wasm by default is compiled lazily, function by function, by Liftoff first and tiered up
# to TurboFan while it runs, so a short workload pays for compilation and runs baseline code. The second variant
# compiles the Wasm whole by TurboFan up front too: the code quality alone.
NODE_VARIANTS = (
    ("node defaults", []),
    ("eager TurboFan", ["--no-liftoff", "--no-wasm-lazy-compilation"]),
    # as Chrome (since 136) and Firefox take our output: with its branch hints, which node 20 ignores unless asked
    ("eager TurboFan, hints", ["--no-liftoff", "--no-wasm-lazy-compilation", "--experimental-wasm-branch-hinting"]),
)


def run_benchmark(names: list[str], args: argparse.Namespace, outputs: dict[str, Path]) -> list[dict]:
    rows = []
    for name in names:
        if name == "ammo-steps":
            rows += _steps_rows(args, outputs)
            continue
        try:
            work = _workload(name, args)
        except MissingDriver as error:
            rows.append({"workload": name, "label": name, "error": f"not yet: {error}"})
            continue
        except Exception as error:
            rows.append({"workload": name, "label": name, "error": f"not available: {error}"})
            continue
        compiled, compile_errors = _compile_modes(work.name if work.name != "sha256" else "sha256_asm", work.source,
                                                  work.module, args, outputs)
        shims: dict[str, Path | None] = {"asm.js": None, **compiled}
        for variant, flags in NODE_VARIANTS:
            row: dict[str, Any] = {"workload": name, "label": f"{work.label} [{variant}]", "node_flags": flags,
                                   **compile_errors}
            rows.append(row)
            _run_modes(work, shims, flags, row, args)
    return rows


def _compile_modes(name: str, source: Path, module: str | None, args: argparse.Namespace, outputs: dict[str, Path]
                   ) -> tuple[dict[str, Path], dict[str, str]]:
    """Our outputs of `source` for the run-time benchmark: mode -> shim, and "<mode>_error" -> why one is missing."""
    shims, errors = {}, {}
    for mode in ("exact", "fast", *(("unversioned",) if args.unversioned else ())):
        shim, error = ensure_compiled(name, source, module, mode, args, outputs)
        if shim is None:
            errors[f"{mode}_error"] = error
        else:
            shims[mode] = shim
    return shims, errors


def _steps_rows(args: argparse.Namespace, outputs: dict[str, Path]) -> list[dict]:
    """ammo.js's physics steps alone (benchmarks/ammo_steps.js): the original and our builds in one node process,
    interleaved round by round; medians."""
    build = package(AMMO) / "ammo.js"
    shims, errors = _compile_modes("ammo.js", build, "asm", args, outputs)
    rows = []
    for variant, flags in NODE_VARIANTS:
        row: dict[str, Any] = {"workload": "ammo-steps", "label": f"ammo.js steps alone [{variant}]",
                               "node_flags": flags, **errors}
        rows.append(row)
        progress(f"[bench] {row['label']} ...")
        cmd = [node(), *flags, str(BENCH_DIR / "ammo_steps.js"), "--file", str(build), "--rounds", str(STEPS_ROUNDS),
               "asm.js=asm", *(f"{mode}={shim}" for mode, shim in shims.items())]
        child = run_child(cmd, args.timeout)
        if child.failure():
            row["error"] = child.failure()
            continue
        lines = child.stdout.strip().splitlines()
        times = json.loads(lines[-1])
        row["all_ms"] = times
        row["ms"] = {mode: sorted(values)[len(values) // 2] for mode, values in times.items()}
        row["same"] = {mode: not any(line.startswith(mode) and "DIFFERENT" in line for line in lines[:-1])
                       for mode in shims}
        row["ratio"] = {mode: row["ms"][mode] / row["ms"]["asm.js"] for mode in shims}
    return rows


def _run_modes(work: Workload, shims: dict[str, Path | None], flags: list[str], row: dict[str, Any],
               args: argparse.Namespace) -> None:
    times: dict[str, list[float]] = {mode: [] for mode in shims}
    reference: Any = None
    for run in range(args.runs):
        for mode, shim in shims.items():  # the modes interleaved: a busy moment of the machine hits all of them
            if f"{mode}_error" in row:
                continue
            progress(f"[bench] {row['label']}: {mode}, run {run + 1}/{args.runs} ...")
            cmd = work.command(shim)
            child = run_child([cmd[0], *flags, *cmd[1:]], args.timeout)
            if child.failure():
                row[f"{mode}_error"] = child.failure()
                continue
            result = json.loads(child.stdout)
            times[mode].append(work.time_of(result))
            row.setdefault("load_ms", {}).setdefault(mode, []).append(result.get("loadMs"))
            if result.get("loadMs") is not None:  # what a user waits for: loading (compiling) and the work
                row.setdefault("load_and_work_ms", {}).setdefault(mode, []).append(
                    result["loadMs"] + work.time_of(result))
            if mode == "asm.js":
                reference = work.comparable(result)
            else:
                same = reference is not None and work.comparable(result) == reference
                row.setdefault("same", {})[mode] = row.get("same", {}).get(mode, True) and same
    row["ms"] = {mode: min(values) for mode, values in times.items() if values}
    row["all_ms"] = times
    base = row["ms"].get("asm.js")
    if base:
        row["ratio"] = {mode: row["ms"][mode] / base for mode in ("exact", "fast", "unversioned") if mode in row["ms"]}


# ---------------------------------------------------------------------------------------------------------------
# tables


def _size(n: float) -> str:
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} B"


def _secs(s: float | None) -> str:
    if s is None:
        return "-"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1000:.1f} ms" if s >= 0.001 else f"{s * 1e6:.0f} us"


def _ms(ms: float | None) -> str:
    return "-" if ms is None else _secs(ms / 1000)


def _ratio(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}" if x < 10 else f"{x:.0f}"


def table(columns: tuple[str, ...], rows: list[list[str]]) -> str:
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def compile_table(rows: list[dict]) -> tuple[str, list[str]]:
    cells, notes = [], []
    for row in rows:
        v8 = row.get("v8") or {}
        if "times" in row:
            t = row["times"]
            ours = [_secs(t[p]) for p in PHASES] + [_secs(row["total"])]
        else:
            ours = ["-"] * (len(PHASES) + 1)
        if v8.get("accepted"):
            partial = f" ({v8['accepted']}/{v8['modules']})" if v8["accepted"] < v8["modules"] else ""
            v8_cells = [_ms(v8["ms"]) + partial, _ratio(v8.get("ratio"))]
        elif v8:
            v8_cells = ["ran as JS" if v8.get("directive") == "almost asm" else "rejected", "-"]
        else:
            v8_cells = ["-"] * 2
        rss = _size(row["peak_rss_kb"] * 1024) if row.get("peak_rss_kb") else "-"
        wasm = _size(row["wasm_bytes"]) if row.get("wasm_bytes") else "-"
        size = _size(row["bytes"]) if "bytes" in row else "-"
        cells.append([row["input"], size, *ours, rss, wasm, *v8_cells])
        if row.get("error"):
            notes.append(f"{row['input']}: {row['error']}")
        if v8.get("asm") is not None:
            verdict = "true" if v8["asm"] else f"false for {v8['modules'] - v8['accepted']} of {v8['modules']}"
            how = " (\"almost asm\": V8 does not validate it; it ran as plain JS, no ratio)" \
                if v8.get("directive") == "almost asm" else ""
            notes.append(f"{row['input']}: %IsAsmWasmCode {verdict}{how}")
        for message in v8.get("warnings", []) + v8.get("errors", []):
            notes.append(f"{row['input']}: V8: {message}")
        if v8.get("error"):
            notes.append(f"{row['input']}: V8 measurement failed: {v8['error']}")
    return table(COMPILE_COLUMNS, cells), notes


def run_table(rows: list[dict]) -> tuple[str, list[str]]:
    cells, notes = [], []
    unversioned = any("unversioned" in row.get("all_ms", {}) or row.get("unversioned_error") for row in rows)
    for row in rows:
        ms, ratio, same = row.get("ms", {}), row.get("ratio", {}), row.get("same", {})

        def cell(mode: str, row: dict = row, ms: dict = ms) -> str:
            error = row.get(f"{mode}_error") or row.get("error") or ""
            if error.startswith("not yet"):
                return "not yet"
            if error:
                return "no output" if error.startswith("compile failed") else "failed"
            return _ms(ms.get(mode))

        same_text = " / ".join("yes" if same[m] else "NO" for m in ("exact", "fast", "unversioned") if m in same) or "-"
        extra = [cell("unversioned"), _ratio(ratio.get("unversioned"))] if unversioned else []
        cells.append([row.get("label", row["workload"]), cell("asm.js"), cell("exact"), _ratio(ratio.get("exact")),
                      cell("fast"), _ratio(ratio.get("fast")), *extra, same_text])
        for key in ("error", "asm.js_error", "exact_error", "fast_error", "unversioned_error"):
            if row.get(key):
                notes.append(f"{row['label']}: {key.replace('_error', '')}: {row[key]}".replace(": error:", ":"))
        loads = {m: min(v for v in values if v is not None) for m, values in row.get("load_ms", {}).items()
                 if any(v is not None for v in values)}
        if loads:
            text = ", ".join(f"{m} {_ms(v)}" for m, v in loads.items())
            notes.append(f"{row['label']}: load time, before the work (V8 compiles the asm.js here): {text}")
        totals = {m: min(values) for m, values in row.get("load_and_work_ms", {}).items() if values}
        if totals.get("asm.js"):
            text = ", ".join(f"{m} {_ms(v)}" + (f" ({v / totals['asm.js']:.2f})" if m != "asm.js" else "")
                             for m, v in totals.items())
            notes.append(f"{row['label']}: load + work, best run: {text}")
        runs = row.get("all_ms", {})
        medians = {m: statistics.median(values) for m, values in runs.items() if len(values) >= 3}
        if medians.get("asm.js"):
            text = ", ".join(f"{m} {_ms(v)}" + (f" ({v / medians['asm.js']:.2f})" if m != "asm.js" else "")
                             for m, v in medians.items())
            notes.append(f"{row['label']}: median of {len(runs['asm.js'])} runs: {text}")
    columns = RUN_COLUMNS
    if unversioned:
        columns = (*RUN_COLUMNS[:-1], "unversioned", "unv./asm.js", RUN_COLUMNS[-1].replace("fast)", "fast / unv.)"))
    return table(columns, cells), notes


# ---------------------------------------------------------------------------------------------------------------


def _select(only: list[str]) -> tuple[list[Input], list[str]]:
    if not only:
        return list(INPUTS), list(WORKLOADS)
    names = {n.strip() for item in only for n in item.split(",") if n.strip()}
    aliases = {"asmcrypto": "sha256", "fixtures/valid": "fixtures"}
    names = {aliases.get(n, n) for n in names}
    known = {i.name for i in INPUTS} | set(WORKLOADS)
    unknown = names - known
    if unknown:
        sys.exit(f"unknown --only name(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return [i for i in INPUTS if i.name in names], [w for w in WORKLOADS if w in names]


def default_memory_limit_mb() -> int:
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 0
    return int(total * 0.75) // (1024 * 1024)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", default=[], metavar="NAME[,NAME]",
                        help="inputs / workloads: " + ", ".join([i.name for i in INPUTS] + ["sha256"]))
    parser.add_argument("--no-compile", action="store_true", help="skip the compile benchmark")
    parser.add_argument("--no-run", action="store_true", help="skip the run-time benchmark")
    parser.add_argument("--timeout", type=float, default=600.0, help="time limit of each compile (s) [600]")
    parser.add_argument("--memory-limit-mb", type=int, default=default_memory_limit_mb(),
                        help="address-space limit of each compile (0: none) [75%% of RAM]")
    parser.add_argument("--v8-runs", type=int, default=5, help="fresh node processes per V8 measurement (best) [5]")
    parser.add_argument("--compile-runs", type=int, default=5,
                        help="fresh processes per compile measurement (best; peak RSS and outputs of the first) [5]")
    parser.add_argument("--runs", type=int, default=5, help="runs per mode in the run-time benchmark (best) [5]")
    parser.add_argument("--sha-mb", type=int, default=64, help="MiB hashed by the SHA-256 workload [64]")
    parser.add_argument("--ammo-steps", type=int, default=2000,
                        help="simulation steps of the ammo.js workload (2000: about 30 s of simulated time) [2000]")
    parser.add_argument("--json", type=Path, default=CACHE / "latest.json", help="where to write the results")
    parser.add_argument("--unversioned", action="store_true",
                        help="also run the exact output without range versioning (every heap access checked alone)")
    args = parser.parse_args(argv)
    inputs, workloads = _select(args.only)
    CACHE.mkdir(parents=True, exist_ok=True)

    outputs: dict[str, Path] = {}
    report: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "node": _node_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "options": {k: str(v) for k, v in vars(args).items()},
    }
    printed = []
    if not args.no_compile and inputs:
        report["compile"] = compile_benchmark(inputs, args, outputs)
        text, notes = compile_table(report["compile"])
        printed.append(("Compile time: asm2wasm per phase vs V8's asm.js validation + compilation of the same module",
                        text, notes))
    if not args.no_run and workloads:
        report["run"] = run_benchmark(workloads, args, outputs)
        text, notes = run_table(report["run"])
        printed.append(("Run time: our Wasm (exact, --fast) vs the original asm.js, both in node (Wasm/asm.js: lower "
                        "is better)", text, notes))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    for title, text, notes in printed:
        print(f"\n{title}\n\n{text}")
        for note in notes:
            print(f"  * {note}")
    print(f"\n(results also in {args.json})")
    return 0


def _node_version() -> str:
    try:
        return subprocess.run([node(), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
