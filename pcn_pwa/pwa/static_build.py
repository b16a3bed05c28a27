"""Static files with content-hashed names, precompressed, served by WhiteNoise.

No build step for developers: at start-up the app copies ``static/`` into the instance folder
under each file's fingerprinted name (``js/app.3f2a9c1b7d.js``), beside its original name,
with a gzip and a Brotli copy of each text file (WhiteNoise's own compressor). A build is named
by the digest of every file, so it is made once per content: later starts, every gunicorn worker
and every test app find it done; workers starting together each build in a temporary folder and
the first rename wins.

Hashed names are cached for a year as immutable; original names are revalidated (they stay for
a browser without import maps and for scripts that name them). The pages' ES modules keep their
relative imports: an import map in each page sends every module's original URL to its hashed one,
and the CSP allows that one inline script by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from .worker_bundle import worker_bundle

HASH_LENGTH = 10  # 40 bits: no two versions of a file meet by chance
# A fingerprinted name: what may be cached for good.
HASHED_NAME = re.compile(r"\.[0-9a-f]{%d}\.\w+$" % HASH_LENGTH)
# Not in the build: the worker is served at /sw.js (its scope), the icons' drawing is a source.
LEFT_OUT = {"sw.js", "icons/icon-maskable.svg"}
# What the worker keeps for offline use: what pages load (scripts, styles, the tab's icon). The
# manifest's PNG icons are fetched once when the app is installed, never by a page offline, and
# print.js serves pages that are never shown offline (a card, the report).
PRECACHED = re.compile(r"^(js/(?!print\.).*\.js|css/.*\.css|icons/icon\.svg)$")
WORKER_SYNC_NAME = "sw-sync.js"
# A module's imports of its neighbours (``from './x.js'``, ``import './x.js'``).
IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?['"]\./([\w.-]+\.js)['"]""", re.M)
IMMUTABLE = "public, max-age=31536000, immutable"


def blank_comments(source: str) -> str:
    """Whole-line comments of a script or stylesheet made empty lines: a quarter of the files'
    compressed weight, while every line keeps its number (errors point at the source). Only
    lines outside a template literal, and blocks that end their line, are touched; comments
    after code stay. Not a minifier: nothing else changes."""
    lines = source.split("\n")
    out, block, in_template = [], [], False
    for line in lines:
        stripped = line.strip()
        if block:
            block.append(line)
            if "*/" in stripped:
                closed = stripped.endswith("*/") and stripped.count("*/") == 1
                out += [""] * len(block) if closed else block
                block = []
            continue
        if not in_template and stripped.startswith("//"):
            out.append("")
        elif not in_template and stripped.startswith("/*"):
            if "*/" in stripped[2:]:
                out.append("" if stripped.endswith("*/") and stripped.count("*/") == 1 else line)
            else:
                block = [line]
        else:
            out.append(line)
            in_template ^= line.replace("\\`", "").count("`") % 2 == 1
    return "\n".join(out + block)


def _served(relative: str, content: bytes) -> bytes:
    """What is served of a source file: scripts and styles without their comment lines."""
    if relative.endswith((".js", ".css")):
        return blank_comments(content.decode("utf-8")).encode("utf-8")
    return content


def hashed_name(relative: str, content: bytes) -> str:
    """``js/app.js`` -> ``js/app.<10 hex of its content's sha256>.js``."""
    stem, dot, extension = relative.rpartition(".")
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:HASH_LENGTH]}.{extension}"


@dataclass(frozen=True)
class StaticBuild:
    """One build: where its files are, and the URL of each original name."""

    folder: str
    version: str
    names: dict  # original relative name -> hashed relative name
    imported: frozenset  # modules some other module imports (js/x.js)

    def url(self, relative: str) -> str:
        return "/static/" + self.names.get(relative, relative)

    @property
    def precache(self) -> list[str]:
        """URLs the service worker keeps: hashed, so it never asks twice for the same bytes."""
        return [self.url(name) for name in sorted(self.names) if PRECACHED.match(name)]

    @property
    def worker_sync_url(self) -> str:
        return self.url(WORKER_SYNC_NAME)

    @property
    def import_map(self) -> str:
        """The pages' import map: the original URL of each module that others import, to its
        hashed URL (pages name their entry scripts by hashed URL already)."""
        imports = {"/static/" + name: self.url(name) for name in sorted(self.imported)}
        return json.dumps({"imports": imports}, separators=(",", ":"))

    @property
    def import_map_tag(self) -> Markup:
        return Markup('<script type="importmap">%s</script>') % Markup(self.import_map)

    @property
    def import_map_csp_source(self) -> str:
        """The CSP source that allows the import map, and no other inline script."""
        digest = hashlib.sha256(self.import_map.encode()).digest()
        return f"'sha256-{base64.b64encode(digest).decode()}'"


def _sources(static_folder: str) -> dict[str, bytes]:
    """What to serve under /static/, by relative name, and the worker's sync bundle."""
    sources = {}
    for root, dirs, files in os.walk(static_folder):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, static_folder).replace(os.sep, "/")
            if relative not in LEFT_OUT:
                with open(path, "rb") as handle:
                    sources[relative] = _served(relative, handle.read())
    sources[WORKER_SYNC_NAME] = _served(WORKER_SYNC_NAME, worker_bundle(static_folder)[0].encode())
    return sources


@lru_cache(maxsize=8)
def build_static(static_folder: str, build_root: str) -> StaticBuild:
    """The build of ``static_folder`` under ``build_root``, made now if it is not there yet."""
    from whitenoise.compress import Compressor

    sources = _sources(static_folder)
    digest = hashlib.sha256()
    for relative, content in sorted(sources.items()):
        digest.update(relative.encode() + b"\0" + content + b"\0")
    version = digest.hexdigest()[:HASH_LENGTH]
    names = {relative: hashed_name(relative, content) for relative, content in sources.items()}
    folder = os.path.join(build_root, version)
    if not os.path.isdir(folder):
        os.makedirs(build_root, exist_ok=True)
        temporary = tempfile.mkdtemp(prefix=".build-", dir=build_root)
        try:
            compressor = Compressor(quiet=True)
            for relative, content in sources.items():
                path = os.path.join(temporary, relative)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as handle:
                    handle.write(content)
                packed = compressor.compress(path) if compressor.should_compress(path) else []
                # The hashed name gets the same bytes (compressed once: Brotli 11 is the slow part).
                hashed = os.path.join(temporary, names[relative])
                for written in [path, *packed]:
                    shutil.copyfile(written, hashed + written[len(path):])
            os.chmod(temporary, 0o755)
            os.rename(temporary, folder)
        except OSError:
            if not os.path.isdir(folder):
                raise
        finally:
            shutil.rmtree(temporary, ignore_errors=True)
    _prune(build_root, keep=version)
    imported = frozenset(f"js/{name}" for relative, content in sources.items() if relative.startswith("js/")
                         for name in IMPORT.findall(content.decode("utf-8")))
    return StaticBuild(folder, version, names, imported)


# Older builds stay: the three newest, and any made within a day. Workers of the previous
# deployment may still be serving from theirs (a `flask` command of the new code runs first).
KEEP_OLD_BUILDS = 3
KEEP_OLD_BUILDS_SECONDS = 24 * 3600


def _prune(build_root: str, keep: str) -> None:
    """Remove old builds (and abandoned temporary folders), never ``keep``."""
    import time

    limit = time.time() - KEEP_OLD_BUILDS_SECONDS
    others = sorted((entry for entry in os.scandir(build_root) if entry.is_dir() and entry.name != keep),
                    key=lambda entry: entry.stat().st_mtime, reverse=True)
    for entry in others[KEEP_OLD_BUILDS:]:
        if entry.stat().st_mtime < limit:
            shutil.rmtree(entry.path, ignore_errors=True)


def _headers(headers, path: str, url: str) -> None:
    """Scripts and styles need no CSP of their own (it applies to documents and workers), but
    must not be sniffed; a hashed name is kept a year (WhiteNoise says ten)."""
    headers["X-Content-Type-Options"] = "nosniff"
    if HASHED_NAME.search(url):
        headers["Cache-Control"] = IMMUTABLE


def _without_validators(static_app):
    """A hashed name is never asked again (immutable), so its answer carries no Last-Modified
    or ETag: about 70 bytes of each file's headers, on a link where headers are a tenth of a
    first visit. WhiteNoise needs them internally, so they are dropped on the way out."""

    def application(environ, start_response):
        if not (environ.get("PATH_INFO", "").startswith("/static/") and HASHED_NAME.search(environ["PATH_INFO"])):
            return static_app(environ, start_response)

        def start(status, headers, exc_info=None):
            kept = [(name, value) for name, value in headers if name.lower() not in ("last-modified", "etag")]
            return start_response(status, kept, exc_info)

        return static_app(environ, start)

    return application


def init_app(app) -> StaticBuild:
    """Build (or find) the static files, serve them with WhiteNoise, and make ``url_for('static')``
    give their hashed names."""
    from whitenoise import WhiteNoise

    build_root = app.config.get("STATIC_BUILD_DIR") or os.path.join(app.instance_path, "static")
    build = build_static(app.static_folder, build_root)
    app.extensions["pcn_static"] = build
    app.wsgi_app = _without_validators(WhiteNoise(
        app.wsgi_app, root=build.folder, prefix="static/", max_age=0, allow_all_origins=False,
        immutable_file_test=lambda path, url: bool(HASHED_NAME.search(url)), add_headers_function=_headers,
    ))

    @app.url_defaults
    def hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values:
            values["filename"] = build.names.get(values["filename"], values["filename"])

    app.add_template_global(lambda: build.import_map_tag, "import_map")
    return build


def current_build():
    """The running app's build."""
    from flask import current_app

    return current_app.extensions["pcn_static"]
