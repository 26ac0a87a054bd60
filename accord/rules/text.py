"""Text Accord can store: PostgreSQL text holds any Unicode character except NUL (U+0000)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

NUL = "\x00"


def nul_fields(value: Any, path: str = "") -> Iterator[str]:
    """The fields (named as a client wrote them: `emails[0].address`) of a parsed JSON document whose
    name or value holds a NUL character."""
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for name, member in value.items():
            inner = f"{path}.{name}" if path else str(name)
            if NUL in str(name):
                yield inner
            else:
                yield from nul_fields(member, inner)
    elif isinstance(value, list):
        for i, member in enumerate(value):
            yield from nul_fields(member, f"{path}[{i}]")


def a_or_an(word: str) -> str:
    """'an active', 'a suspended': the indefinite article, by the word's first letter."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
