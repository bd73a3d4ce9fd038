"""Fetch third-party npm packages into the repository's ignored cache (``.cache/npm/``).

Third-party code is never committed: tests call :func:`fetch_package` and get the unpacked package directory.

    >>> pkg = fetch_package("asmcrypto.js@0.22.0")      # doctest: +SKIP
    >>> (pkg / "package.json").is_file()                  # doctest: +SKIP
    True

``npm pack SPEC`` runs once per spec; the tarball is extracted (safely: no absolute paths, no ``..``, no links,
devices or FIFOs) into ``.cache/npm/<spec-slug>/`` and a marker file records the completed extraction, so later runs
(and other tests in the same run) reuse it without touching the network. ``ASM2WASM_NPM_CACHE`` overrides the
cache directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache" / "npm"
_MARKER = ".asm2wasm-fetched.json"
_NPM_TIMEOUT_S = 300


class NpmFetchError(RuntimeError):
    """``npm pack`` failed or produced an unusable tarball."""


def cache_dir() -> Path:
    override = os.environ.get("ASM2WASM_NPM_CACHE")
    return Path(override) if override else DEFAULT_CACHE_DIR


def _slug(spec: str) -> str:
    """``@scope/name@1.2.3`` -> ``scope__name@1.2.3``: a safe, readable directory name."""
    slug = re.sub(r"[^A-Za-z0-9._@+-]+", "__", spec.lstrip("@"))
    if not slug or slug in {".", ".."}:
        raise ValueError(f"unusable npm package spec: {spec!r}")
    return slug


def _safe_extract(tarball: Path, dest: Path) -> None:
    """Extract a package tarball into ``dest``; refuse anything that could land outside it."""
    dest = dest.resolve()
    with tarfile.open(tarball, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            name = member.name
            target = (dest / name).resolve()
            if name.startswith(("/", "\\")) or ".." in Path(name).parts or not target.is_relative_to(dest):
                raise NpmFetchError(f"{tarball.name}: member {name!r} escapes the extraction directory")
            if not (member.isfile() or member.isdir()):
                raise NpmFetchError(f"{tarball.name}: member {name!r} is a link or special file; refusing it")
        for member in members:
            target = dest / member.name
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None
            with source, open(target, "wb") as out:
                shutil.copyfileobj(source, out)
            target.chmod(0o644)


def _package_root(extracted: Path) -> Path:
    """npm tarballs hold one top-level directory, normally ``package/``."""
    if (extracted / "package" / "package.json").is_file():
        return extracted / "package"
    candidates = [p for p in extracted.iterdir() if p.is_dir() and (p / "package.json").is_file()]
    if len(candidates) != 1:
        raise NpmFetchError(f"cannot find the package directory in {extracted}")
    return candidates[0]


def fetch_package(spec: str) -> Path:
    """Return the directory of the unpacked npm package ``spec`` (e.g. ``"asmcrypto.js@0.22.0"``).

    Runs ``npm pack`` the first time only; raises :class:`NpmFetchError` with npm's own output when it fails.
    """
    root = cache_dir()
    final = root / _slug(spec)
    marker = final / _MARKER
    if marker.is_file():
        return _package_root(final)

    npm = shutil.which("npm")
    if npm is None:
        raise NpmFetchError("npm is not installed (needed to fetch third-party test packages)")
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".fetch-", dir=root) as tmp_name:
        tmp = Path(tmp_name)
        proc = subprocess.run(
            [npm, "pack", spec, "--json", "--silent", "--pack-destination", str(tmp)],
            check=False,
            cwd=tmp,
            capture_output=True,
            text=True,
            timeout=_NPM_TIMEOUT_S,
            env={**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false"},
        )
        if proc.returncode != 0:
            raise NpmFetchError(
                f"`npm pack {spec}` failed with exit code {proc.returncode}:\n{proc.stderr.strip() or proc.stdout}"
            )
        tarballs = sorted(tmp.glob("*.tgz"))
        if len(tarballs) != 1:
            raise NpmFetchError(f"`npm pack {spec}` produced {len(tarballs)} tarballs, expected 1: {proc.stdout}")
        unpacked = tmp / "unpacked"
        unpacked.mkdir()
        _safe_extract(tarballs[0], unpacked)
        info = {"spec": spec, "tarball": tarballs[0].name}
        try:
            info["npm"] = json.loads(proc.stdout)[0].get("integrity")
        except (ValueError, IndexError, KeyError, AttributeError):
            pass
        (unpacked / _MARKER).write_text(json.dumps(info, indent=1) + "\n")
        if final.exists():  # a half-finished earlier attempt (no marker): replace it
            shutil.rmtree(final)
        try:
            unpacked.rename(final)
        except OSError:
            # another process finished first; use its copy
            if not (final / _MARKER).is_file():
                raise
    return _package_root(final)


def npm_package(spec: str):
    """Make a session-scoped pytest fixture for one package, e.g. ``asmcrypto = npm_package("asmcrypto.js@0.22.0")``."""

    @pytest.fixture(scope="session")
    def _fixture() -> Path:
        return fetch_package(spec)

    return _fixture
