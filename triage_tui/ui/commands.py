"""The command palette (ctrl+p) offers the actions of the screen it was opened from, and nothing else: not
Textual's own commands (theme, screenshot, keys), nor the moving keys, which people read as the desk's own.

Names and help go to the palette as literal Content: Textual parses a string hit, and its own matcher's
highlight, as markup, and a key remapped in the officer's config may be any text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.screen import Screen

from triage_tui.ui.text import line, one_line

Run = Callable[[], Awaitable[None]]
# Actions of widgets' own bindings that only move or scroll.
MOVING = ("cursor", "scroll_", "page", "edge", "move_")


def highlight(matcher: Matcher, name: str) -> Content:
    """The name with the letters the query matched highlighted, as literal content."""
    shown = one_line(name)
    content = Content(shown)
    score, offsets = matcher.fuzzy_search.match(matcher.query, shown)
    if not score:
        return content
    for offset in offsets:
        if not shown[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ScreenActions(Provider):
    def _actions(self) -> list[tuple[str, str, Run]]:
        seen: set[str] = set()
        found: list[tuple[str, str, Run]] = []
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen or not active.enabled:
                continue
            if binding.action.startswith(MOVING):
                continue  # moving the cursor or scrolling is what keys are for, not a command to search for
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            found.append((binding.description, f"key: {key}", partial(self._run, binding.action, active.node)))
        return found

    async def _run(self, action: str, node: object) -> None:
        await self.app.run_action(action, node)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for name, help_text, run in self._actions():
            # help is typed as a string, but the palette takes Content as it is (Content.from_markup passes it).
            yield DiscoveryHit(line(name), run, text=name, help=line(help_text))  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._actions():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, highlight(matcher, name), run, text=name, help=line(help_text))  # type: ignore[arg-type]


def screen_keys(app: App[Any], screen: Screen[Any]) -> list[tuple[str, str]]:
    """The screen's keys as currently mapped, for the help: its actions first, then moving about."""
    actions: list[tuple[str, str]] = []
    moving: list[tuple[str, str]] = []
    seen: set[str] = set()
    bindings = [active.binding for active in screen.active_bindings.values()]
    for binding in sorted(bindings, key=lambda b: not b.show):  # shown keys win over hidden aliases
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        (actions if binding.show else moving).append((app.get_key_display(binding), binding.description))
    actions.append(("ctrl+p", "Command palette: every action of this screen by name"))
    return [*actions, ("", ""), *moving]
