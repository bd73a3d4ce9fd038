"""`asm2wasm migrate`: whole apps and libraries migrated, run, and compared with the originals.

* sql.js@0.5.0 `js/sql.js` and its "almost asm" growth build `js/sql-memory-growth.js` (fetched by npm into the
  ignored cache, see tests/realworld/npm_cache.py) are migrated by the real command; the migrated library, loaded
  with plain `require()`, runs tests/realworld/sqljs_run.js's SQL workload (10,000 rows, aggregates, joins, blobs,
  export and re-open; the growth build also stores a 40 MiB blob so its 16 MiB heap grows) with results and exported
  database bytes identical to the original's, holds no asm.js module any more, and really instantiated Wasm.
* fixtures/apps/: a page whose second script is not valid asm.js (exit status 2, the error located in the report,
  the rest migrated or copied byte for byte), a page without asm.js (exit status 1, nothing written), --dry-run,
  an existing OUT, and the input left untouched.

Each sql.js build is compiled once per session (about 3 s each).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from realworld.npm_cache import fetch_package

from asm2wasm.frontend import find_modules

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
APPS = REPO / "fixtures" / "apps"
SQLJS_DRIVER = REPO / "tests" / "realworld" / "sqljs_run.js"
MIGRATED_DRIVER = HERE / "migrated_run.js"
SPEC = "sql.js@0.5.0"
GROW_MB = 40
NODE_TIMEOUT_S = 600


def run_migrate(*args: str | Path) -> subprocess.CompletedProcess:
    """The real entry point in a child process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "asm2wasm", "migrate", *map(str, args)], capture_output=True,
                          text=True, timeout=600, cwd=REPO)


def tree_digest(root: Path) -> dict[str, str]:
    """{relative path: sha256} of every file under `root` (or of `root` itself if it is a file)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return {p.name if root.is_file() else p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files}


def node_json(*args: str | Path) -> dict[str, Any]:
    proc = subprocess.run(["node", *map(str, args)], capture_output=True, text=True, timeout=NODE_TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def assert_kept_byte_for_byte(original: str, migrated: str, rewrites: list[dict]) -> None:
    """The migrated text is the original with exactly the rewrites the report lists: the same text between them,
    and each rewrite's new text where it says (its `after` is a one-line excerpt of it)."""
    at = cursor = 0
    for rewrite in sorted(rewrites, key=lambda r: (r["offset"], r["length"])):
        piece = original[at : rewrite["offset"]]
        assert migrated[cursor : cursor + len(piece)] == piece, f"the original text before {rewrite} was changed"
        cursor += len(piece)
        new = migrated[cursor : cursor + rewrite["new_length"]]
        assert " ".join(new.split()).startswith(rewrite["after"].removesuffix("...")), rewrite
        cursor += rewrite["new_length"]
        at = rewrite["offset"] + rewrite["length"]
    assert migrated[cursor:] == original[at:]


# ---------------------------------------------------------------------------------------------------------------
# sql.js


@pytest.fixture(scope="session")
def sqljs() -> Path:
    return fetch_package(SPEC)


class Migrated:
    """One sql.js build: migrated once per session (into OUT), the original's and the migrated file's runs."""

    def __init__(self, package: Path, build: str, work: Path) -> None:
        self.source = package / build
        self.work = work
        self.out = work / "out"
        before = tree_digest(self.source)
        self.result = run_migrate(self.source, "-o", self.out, "-q")
        self.input_unchanged = tree_digest(self.source) == before
        self.js = self.out / self.source.name
        self._runs: dict[str, tuple[dict, bytes]] = {}

    def report(self) -> dict:
        return json.loads((self.out / "migration.json").read_text())

    def run(self, mode: str) -> tuple[dict, bytes]:
        if mode not in self._runs:
            dump = self.work / f"dump-{mode}"
            dump.mkdir(exist_ok=True)
            grow = ["--grow-mb", str(GROW_MB)] if "growth" in self.source.name else []
            if mode == "original":
                result = node_json(SQLJS_DRIVER, "--file", self.source, "--dump", dump, *grow)
            else:
                result = node_json(MIGRATED_DRIVER, "--file", self.js, "--dump", dump, *grow)
            self._runs[mode] = (result, (dump / "export.sqlite").read_bytes())
        return self._runs[mode]


@pytest.fixture(scope="session")
def sqljs_builds(sqljs: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Migrated]:
    cache: dict[str, Migrated] = {}

    class Builds(dict):
        def __missing__(self, build: str) -> Migrated:
            cache[build] = Migrated(sqljs, build, tmp_path_factory.mktemp(Path(build).stem))
            self[build] = cache[build]
            return cache[build]

    return Builds()


BUILDS = ["js/sql.js", "js/sql-memory-growth.js"]


@pytest.mark.parametrize("build", BUILDS)
def test_sqljs_migrates(sqljs_builds: dict[str, Migrated], build: str) -> None:
    migrated = sqljs_builds[build]
    assert migrated.result.returncode == 0, migrated.result.stderr
    assert migrated.input_unchanged
    name = Path(build).stem
    assert sorted(p.name for p in migrated.out.iterdir()) == sorted(
        ["MIGRATION.md", "migration.json", f"{name}.js", f"{name}.wasm"])
    report = migrated.report()
    assert report["exit_status"] == 0
    [module] = report["modules"]
    assert module["status"] == "compiled" and module["wasm_file"] == f"{name}.wasm"
    assert module["functions"] > 1000 and module["wasm_bytes"] == (migrated.out / f"{name}.wasm").stat().st_size
    assert module["directive"] == ("almost asm" if "growth" in build else "use asm")
    whats = [r["what"] for r in report["rewrites"]]
    assert sum("heap of module" in w for w in whats) == 1
    assert sum("body replaced" in w for w in whats) == 1
    assert sum("memory growth" in w for w in whats) == (1 if "growth" in build else 0)
    original = migrated.source.read_text(encoding="utf-8")
    text = migrated.js.read_text(encoding="utf-8")
    assert find_modules(text) == [] and '"use asm"' not in text and '"almost asm"' not in text
    assert text.count("\n") > original.count("\n")
    # every line of the original before the appended runtime keeps its number
    runtime_line = next(r["line"] for r in report["rewrites"] if "runtime" in r["what"])
    assert runtime_line == original.count("\n") + 1
    assert_kept_byte_for_byte(original, text, report["rewrites"])
    markdown = (migrated.out / "MIGRATION.md").read_text()
    assert f"`{name}.wasm`" in markdown and "compiled" in markdown
    print(f"\n[migrate] {build}: {module['asm_bytes']} bytes of asm.js -> {module['wasm_bytes']} bytes of Wasm, "
          f"{module['functions']} functions, compiled in {module['compile_seconds']:.2f} s")


@pytest.mark.parametrize("build", BUILDS)
def test_migrated_sqljs_runs_the_workload_like_the_original(sqljs_builds: dict[str, Migrated], build: str) -> None:
    migrated = sqljs_builds[build]
    assert migrated.result.returncode == 0, migrated.result.stderr
    original, original_db = migrated.run("original")
    result, db = migrated.run("migrated")
    assert original["webassembly"]["Instance"] == 0
    assert result["webassembly"]["Module"] == 1 and result["webassembly"]["Instance"] == 1, result["webassembly"]
    assert all(c["ok"] for c in result["checks"]), [c for c in result["checks"] if not c["ok"]]
    assert result["checks"] == original["checks"]
    assert result["results"] == original["results"]
    assert result["results"]["count"][0]["values"][0][0] == 10_000
    assert db == original_db and db[:16] == b"SQLite format 3\x00"
    if "growth" in build:  # a 40 MiB blob in a 16 MiB heap: the Wasm memory grew
        assert result["results"]["grow"]["blob"]["bytes"] == GROW_MB << 20
    print(f"\n[migrate] {build}: original load {original['loadMs']:.0f} ms + workload {original['workloadMs']:.0f} ms; "
          f"migrated load {result['loadMs']:.0f} ms + workload {result['workloadMs']:.0f} ms")


# ---------------------------------------------------------------------------------------------------------------
# small apps


@pytest.fixture
def checksum_app(tmp_path: Path) -> Path:
    """fixtures/apps/checksum-page plus a binary file (bytes that are not UTF-8), in a temporary copy."""
    app = tmp_path / "app"
    shutil.copytree(APPS / "checksum-page", app)
    (app / "img").mkdir()
    (app / "img" / "logo.bin").write_bytes(bytes(range(256)) * 3)
    return app


def test_invalid_module_is_reported_and_the_rest_migrated(checksum_app: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = tree_digest(checksum_app)
    result = run_migrate(checksum_app, "-o", out)
    assert result.returncode == 2, result.stderr
    assert "broken.js:9:24: error:" in result.stderr and "[T002]" in result.stderr
    assert tree_digest(checksum_app) == before
    report = json.loads((out / "migration.json").read_text())
    assert report["exit_status"] == 2
    modules = {m["file"]: m for m in report["modules"]}
    assert modules["broken.js"]["status"] == "refused"
    assert {k: modules["broken.js"]["error"][k] for k in ("code", "line", "col")} == {"code": "T002", "line": 9,
                                                                                      "col": 24}
    assert modules["checksum.js"]["status"] == "compiled"
    assert "`broken.js:9:24`: module Broken is not valid asm.js" in (out / "MIGRATION.md").read_text()
    after = tree_digest(out)
    for rel in ("style.css", "broken.js", "img/logo.bin"):
        assert after[rel] == before[rel], rel
    page_rewrites = [r for r in report["rewrites"] if r["file"] == "index.html"]
    assert len(page_rewrites) == 4  # the loader before checksum.js; checksum.js and the two scripts after held back
    assert_kept_byte_for_byte((checksum_app / "index.html").read_text(), (out / "index.html").read_text(),
                              page_rewrites)
    assert set(after) == set(before) | {"checksum.wasm", "MIGRATION.md", "migration.json", "asm2wasm-loader.js"}
    # the migrated script gives the original's results, through Wasm
    script = ("let n = 0; const I = WebAssembly.Instance;"
              "WebAssembly.Instance = function (m, i) { n++; return new I(m, i); };"
              "const r = require(process.argv[1]).checksumDemo(); console.log(JSON.stringify({r, n}));")
    original = node_json("-e", script, checksum_app / "checksum.js")
    migrated = node_json("-e", script, out / "checksum.js")
    assert original["n"] == 0 and migrated["n"] == 1
    assert migrated["r"] == original["r"]


def test_no_asmjs_is_refused_and_nothing_written(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_migrate(APPS / "no-asmjs", "-o", out)
    assert result.returncode == 1
    assert "no asm.js module found" in result.stderr and "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_dry_run_prints_the_report_and_writes_nothing(checksum_app: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    before = sorted(tmp_path.rglob("*"))
    result = run_migrate(checksum_app, "-o", out, "--dry-run")
    assert result.returncode == 2, result.stderr
    assert "# asm2wasm migration report" in result.stdout and "dry run" in result.stdout
    assert "`checksum.wasm`" in result.stdout
    assert sorted(tmp_path.rglob("*")) == before


def test_existing_output_is_refused_unless_forced(checksum_app: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    result = run_migrate(checksum_app, "-o", out)
    assert result.returncode == 1 and "--force" in result.stderr
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    forced = run_migrate(checksum_app, "-o", out, "--force", "-q")
    assert forced.returncode == 2, forced.stderr
    assert not (out / "mine.txt").exists() and (out / "checksum.wasm").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "out"]  # no staging directory left behind


def test_output_may_not_contain_the_input(checksum_app: Path) -> None:
    result = run_migrate(checksum_app, "-o", checksum_app.parent, "--force")
    assert result.returncode == 1 and "would contain or replace the input" in result.stderr
    assert (checksum_app / "checksum.js").is_file()


def test_output_inside_the_input_is_not_migrated_again(checksum_app: Path) -> None:
    out = checksum_app / "migrated"
    assert run_migrate(checksum_app, "-o", out, "-q").returncode == 2
    again = run_migrate(checksum_app, "-o", out, "--force", "-q")
    assert again.returncode == 2, again.stderr
    assert not (out / "migrated").exists()
    assert len(json.loads((out / "migration.json").read_text())["modules"]) == 2
