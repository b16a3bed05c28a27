"""The pages' sync modules, served to the service worker as one classic script.

The outbox and its sync client are ES modules, written once for the pages. The service worker
needs the same code to push the outbox when no window is open (Background Sync), but it stays
a classic worker: module workers are recent (Firefox 147, January 2026), and in the Chromium
the browser tests drive, a module worker importing these files could not be updated
("ServiceWorker cannot be started"). So, with no build step, this module rewrites the few
modules the worker needs into one script when the app starts (static_build.py serves it as
/static/sw-sync.<hash>.js): each module in its own block, its named imports read from the
modules before it, its exports handed to the ones after.

Only the plainest module syntax is allowed in these files (``import {a, b} from './x.js';`` on
one line, ``export`` before a declaration); anything else is refused loudly, and a test builds
the bundle and runs it.
"""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache

# In dependency order: each may import only from the ones before it.
WORKER_MODULES = ("js/idb.js", "js/device.js", "js/outbox.js", "js/sync-client.js")

_IMPORT = re.compile(r"^import \{\s*(\w+(?:\s*,\s*\w+)*)\s*\} from '\./([\w-]+\.js)';$")
_EXPORT = re.compile(r"^export (?:async function\*?|function\*?|class|const|let) (\w+)")
_ANY_MODULE_SYNTAX = re.compile(r"^\s*(import|export)\b")


class BundleError(ValueError):
    """A module uses syntax the bundle cannot rewrite."""


def _rewrite(name: str, source: str, known: set[str]) -> tuple[str, list[str]]:
    """One module as a block: its imports as reads of ``modules``, its export names."""
    lines, exports = [], []
    for number, line in enumerate(source.splitlines(), 1):
        imported = _IMPORT.match(line)
        exported = _EXPORT.match(line)
        if imported:
            if f"js/{imported[2]}" not in known:
                raise BundleError(f"{name}:{number}: imports {imported[2]}, not bundled before it")
            lines.append(f"const {{{imported[1]}}} = modules;")
        elif exported:
            exports.append(exported[1])
            lines.append(line[len("export "):])
        elif _ANY_MODULE_SYNTAX.match(line):
            raise BundleError(f"{name}:{number}: module syntax the worker bundle cannot rewrite: {line.strip()}")
        else:
            lines.append(line)
    return "\n".join(lines), exports


@lru_cache(maxsize=4)
def worker_bundle(static_folder: str) -> tuple[str, str]:
    """``(script, version)``: the worker's classic script, sets ``self.PCNSync``."""
    parts = ["// Built by pcn_pwa/pwa/worker_bundle.py from the pages' modules: edit those, not this.",
             "(() => {", "'use strict';", "const modules = {};"]
    known: set[str] = set()
    for name in WORKER_MODULES:
        with open(os.path.join(static_folder, name), encoding="utf-8") as handle:
            block, exports = _rewrite(name, handle.read(), known)
        parts += [f"// --- {name}", "{", block, f"Object.assign(modules, {{{', '.join(exports)}}});", "}"]
        known.add(name)
    parts += ["self.PCNSync = modules;", "})();", ""]
    script = "\n".join(parts)
    return script, hashlib.sha256(script.encode()).hexdigest()[:12]
