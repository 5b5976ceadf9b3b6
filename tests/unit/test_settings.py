"""Settings: validation, and the README's configuration table naming every variable."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from streams.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _documented(name: str, readme: str) -> bool:
    """FIXSTREAM_NAME in the table, or a shared row such as `FIXSTREAM_X_HOST` / `_PORT`."""
    if f"`FIXSTREAM_{name.upper()}`" in readme:
        return True
    head, _, tail = name.upper().rpartition("_")
    return f"`FIXSTREAM_{head}_" in readme and f"/ `_{tail}`" in readme


def test_every_setting_is_in_the_readme_table():
    readme = README.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if not _documented(name, readme)]
    assert not missing, f"README's configuration table lacks {missing}"


def test_encoder_precision_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FIXSTREAM_ENCODER_DTYPE", "bfloat16")
    assert Settings().encoder_dtype == "bfloat16"
    monkeypatch.setenv("FIXSTREAM_ENCODER_QUANTIZE", "true")
    with pytest.raises(ValidationError, match="needs FIXSTREAM_ENCODER_DTYPE=float32"):
        Settings()
    monkeypatch.setenv("FIXSTREAM_ENCODER_DTYPE", "float8")
    with pytest.raises(ValidationError):
        Settings()
