"""What the service worker precaches, and a version that changes whenever any of it changes.

There is no build step: the version is a hash of the static files, computed once per process,
so a deployment that changes a CSS or JS file also changes /sw-assets.js, which the browser
sees as a new service worker (it compares imported scripts byte for byte).
"""

import hashlib
import os
from functools import lru_cache

# Pages an advisor needs offline; cached once signed in (they are per user and language).
SHELL_PAGES = ["/", "/accompagnements/nouveau", "/accompagnements/", "/synchronisation", "/hors-ligne",
               "/accompagnements/carte/", "/accompagnements/sur-la-tablette"]
OFFLINE_PAGE = "/hors-ligne"
# Offline, the list, a record's page and a card's history are this page, rendered on the tablet
# from its copy of the agency's records (static/js/record-copy.js).
RECORDS_PAGE = "/accompagnements/sur-la-tablette"


@lru_cache(maxsize=4)
def static_assets(static_folder: str) -> tuple[str, tuple[str, ...]]:
    """``(version, urls)`` of every file under static/ but the service worker itself."""
    digest = hashlib.sha256()
    urls = []
    for root, dirs, files in os.walk(static_folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, static_folder).replace(os.sep, "/")
            if relative == "sw.js" or name.endswith(".svg") and "icons" not in relative:
                continue
            with open(path, "rb") as handle:
                digest.update(relative.encode() + b"\0" + handle.read())
            urls.append("/static/" + relative)
    return digest.hexdigest()[:12], tuple(urls)
