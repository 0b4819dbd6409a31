"""The modules a page's entry module imports, at any depth, for `<link rel="modulepreload">`.

A browser learns what a module imports only once it has the module, so the run page's some
seventy modules arrive in waves, one round trip per level of imports. Listing them all in the
page's head lets the browser fetch them at once, from the first byte of the page.
"""

import posixpath
import re
from collections import deque
from functools import cache
from pathlib import Path

from app.api.static_assets import STATIC_DIRECTORY

# A static import's or re-export's specifier, relative to the module: `… from "./a.js"` (also
# on the last line of an import that spans several) and `import "./a.js"`. Dynamic imports
# (`import(src)`) are not followed: what they load is fetched when it is wanted. One pass, no
# nested repetition, so the time is linear in the file's length.
_STATIC_IMPORT = re.compile(r"""(?:\bfrom|^\s*import)\s*["'](\.{1,2}/[^"'\n]+)["']""", re.M)


def imported_by(module: str, directory: Path = STATIC_DIRECTORY) -> list[str]:
    """The modules `module` (a path under `directory`) imports directly, as paths under it."""
    source = (directory / module).read_text(encoding="utf-8")
    folder = posixpath.dirname(module)
    return [posixpath.normpath(posixpath.join(folder, m)) for m in _STATIC_IMPORT.findall(source)]


@cache  # The files are those of the version the server started with (static_assets.py).
def module_graph(entry: str, directory: Path = STATIC_DIRECTORY) -> tuple[str, ...]:
    """Every module `entry` imports, directly or not, in the order first reached."""
    seen = {entry}
    order: list[str] = []
    waiting = deque([entry])
    while waiting:
        for module in imported_by(waiting.popleft(), directory):
            if module not in seen:
                seen.add(module)
                order.append(module)
                waiting.append(module)
    return tuple(order)
