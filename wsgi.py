"""gunicorn entry point: ``gunicorn wsgi:app``."""

from pcn_pwa import create_app

app = create_app()
