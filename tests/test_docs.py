"""The documentation site builds with no warnings (mkdocs --strict), API reference included."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mkdocs_build_strict(tmp_path):
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300,
                            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text(encoding="utf-8")
    assert "SoftmaxCrossEntropy" in api and "MLPClassifier" in api  # generated from the docstrings
    assert (tmp_path / "site" / "ja" / "tour" / "08-backpropagation" / "index.html").is_file()
