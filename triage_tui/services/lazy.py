"""Service modules imported on first use.

The services import SQLAlchemy and SQLModel, most of half a second here. The desk draws its first frame
without them (see quickstart.py) and the headless commands that do not touch the database (`--help`) never
need them; both refer to the services through these stand-ins, which import the real module the first time
one of its names is used.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)


cases = LazyModule("triage_tui.services.cases")
desk = LazyModule("triage_tui.services.desk")
officers = LazyModule("triage_tui.services.officers")
supervision = LazyModule("triage_tui.services.supervision")
stages = LazyModule("triage_tui.services.stages")
