"""Parse a server-sent event stream into (event, data) pairs."""

import json
from collections.abc import Iterable, Iterator
from typing import Any


def strict_json(text: str) -> Any:
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not valid JSON")

    return json.loads(text, parse_constant=refuse)


def parse_events(lines: Iterable[str]) -> list[tuple[str, Any]]:
    events: list[tuple[str, Any]] = []
    event, data = "message", []
    for line in lines:
        line = line.rstrip("\r")
        if line == "":
            if data:
                events.append((event, strict_json("\n".join(data))))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
    return events


def parse_events_lazily(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """Yield events as their blank line arrives, so a test can act in the middle of a stream."""
    pending = []
    for line in lines:
        pending.append(line)
        if line.strip() == "":
            yield from parse_events(pending)
            pending = []
