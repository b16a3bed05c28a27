"""Render the app icons (PNG 192/512, plain and maskable) from their SVG sources with Chromium.

Run after changing an SVG: .venv/bin/python scripts/render_icons.py
"""
from pathlib import Path
from playwright.sync_api import sync_playwright
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"]
icons = Path(__file__).resolve().parent.parent / "pcn_pwa" / "static" / "icons"
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
    for svg, name, sizes in [("icon.svg", "icon", [192, 512]), ("icon-maskable.svg", "icon-maskable", [192, 512])]:
        for size in sizes:
            page = b.new_page(viewport={"width": size, "height": size})
            page.set_content(f"<html><body style='margin:0;background:transparent'><img src='data:image/svg+xml;base64,"
                             + __import__("base64").b64encode((icons / svg).read_bytes()).decode()
                             + f"' width='{size}' height='{size}' style='display:block'></body></html>")
            page.screenshot(path=str(icons / f"{name}-{size}.png"), omit_background=True)
            page.close()
    b.close()
