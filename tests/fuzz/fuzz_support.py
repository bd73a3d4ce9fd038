"""What the fuzz tests share: paths, the seeds (env var FUZZ_SEEDS, default 300) and the generated files."""

from __future__ import annotations

import os
from pathlib import Path

from generate import generate

ROOT = Path(__file__).resolve().parents[2]
DIFF_JS = ROOT / "tests" / "harness" / "diff.js"
BATCH_JS = Path(__file__).resolve().parent / "v8_batch.js"
SEEDS = list(range(int(os.environ.get("FUZZ_SEEDS", "300"))))


class FuzzFiles:
    """Generated fixtures in one directory, each written the first time it is asked for."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, seed: int) -> Path:
        path = self.directory / f"fuzz-{seed:05d}.js"
        if not path.exists():
            path.write_text(generate(seed))
        return path

    def paths(self, seeds: list[int]) -> list[Path]:
        return [self.path(seed) for seed in seeds]
