"""The output directory of a migration: built in a temporary directory beside OUT, renamed into place at the end.

A failure (or an interrupt) removes the temporary directory, so OUT is either the complete result or untouched.
Nothing is written outside OUT and its temporary siblings. `NullOutput` is the dry run: it writes nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


class Output:
    """Files of the result, by path relative to OUT."""

    def write(self, rel: str, data: bytes) -> None:
        raise NotImplementedError

    def copy(self, rel: str, source: Path) -> None:
        raise NotImplementedError


class NullOutput(Output):
    def write(self, rel: str, data: bytes) -> None:
        pass

    def copy(self, rel: str, source: Path) -> None:
        pass


class StagedDirectory(Output):
    """Use as a context manager: `commit()` inside it renames the staged tree to OUT; leaving it otherwise discards."""

    def __init__(self, out: Path, replace: bool) -> None:
        self.out = out
        self.replace = replace
        self.temp: Path | None = None
        self.committed = False

    def __enter__(self) -> StagedDirectory:
        self.temp = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".partial", dir=self.out.parent))
        os.chmod(self.temp, 0o777 & ~_UMASK)
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.committed and self.temp is not None and self.temp.exists():
            shutil.rmtree(self.temp, ignore_errors=True)

    def _target(self, rel: str) -> Path:
        assert self.temp is not None
        target = (self.temp / rel).resolve()
        if not target.is_relative_to(self.temp.resolve()):
            raise ValueError(f"refusing to write {rel!r} outside the output directory")
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, rel: str, data: bytes) -> None:
        target = self._target(rel)
        target.write_bytes(data)
        os.chmod(target, 0o666 & ~_UMASK)

    def copy(self, rel: str, source: Path) -> None:
        target = self._target(rel)
        if source.is_symlink():
            os.symlink(os.readlink(source), target)
        else:
            shutil.copy2(source, target)

    def commit(self) -> None:
        assert self.temp is not None
        old = None
        if self.out.exists():
            if not self.replace:
                raise FileExistsError(f"{self.out} exists")
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=".old", dir=self.out.parent))
            os.rmdir(old)
            os.rename(self.out, old)
        os.rename(self.temp, self.out)
        self.committed = True
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
