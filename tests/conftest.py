from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
INSTANCES = ROOT / "instances"


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    """A writable copy of the tiny instance, for breaking."""
    target = tmp_path / "tiny"
    shutil.copytree(INSTANCES / "tiny", target, ignore=shutil.ignore_patterns("README.md"))
    return target
