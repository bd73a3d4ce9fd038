"""Fixtures for the fuzz tests."""

from __future__ import annotations

import pytest
from fuzz_support import FuzzFiles


@pytest.fixture(scope="module")
def fuzz_files(tmp_path_factory) -> FuzzFiles:
    """Generated fixtures, written on demand into a directory of this test module's own."""
    return FuzzFiles(tmp_path_factory.mktemp("fuzz"))
