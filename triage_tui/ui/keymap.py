"""Keys remapped by the officer: `[keys]` in config.toml maps binding ids to keys."""

from __future__ import annotations

import tomllib
from pathlib import Path

from triage_tui.domain.errors import InvalidInput


def load_keymap(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidInput(f"config file {path}: {exc}") from None
    keys = data.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) and v for v in keys.values()):
        raise InvalidInput(f'config file {path}: [keys] maps action ids to keys, e.g. classify = "k"')
    return {str(k): v for k, v in keys.items()}
