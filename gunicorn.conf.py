"""gunicorn settings, read from the working directory (``make run``, production, the benchmark).

Command-line options (bind, workers) still win over this file.
"""

import gc

# Threaded workers: a request is served by one of a worker's threads while the worker itself keeps
# telling the master it is alive. With the default sync workers one thread served everything, so
# a download longer than ``timeout`` (a year of records as CSV or XLSX) was killed half-way, and a
# slow client sending its body held a whole worker. ``timeout`` still ends a worker that hangs.
worker_class = "gthread"
threads = 8
timeout = 30
graceful_timeout = 20
keepalive = 5


def post_worker_init(worker):
    """Tune the garbage collector once the app is loaded in the worker.

    The app's long-lived objects (routes, SQLAlchemy metadata, catalogues) are frozen out of
    the collector's sight, and young collections run every 20,000 allocations instead of 700:
    one 500-record sync batch allocates tens of thousands of short-lived containers, and the
    default thresholds spent about a tenth of a push collecting (measured: bench/sync_ingest.py,
    docs/PERFORMANCE.md). Reference counting still frees everything that is not in a cycle.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
