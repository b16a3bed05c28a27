"""gunicorn settings, read from the working directory (``make run``, production, the benchmark).

Command-line options (bind, workers) still win over this file.
"""

import ctypes
import gc
import os
import signal
import sys

# Threaded workers: a request is served by one of a worker's threads while the worker itself keeps
# telling the master it is alive. With the default sync workers one thread served everything, so
# a download longer than ``timeout`` (a year of records as CSV or XLSX) was killed half-way, and a
# slow client sending its body held a whole worker. ``timeout`` still ends a worker that hangs.
worker_class = "gthread"
threads = 8
timeout = 30
graceful_timeout = 20
keepalive = 5


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def post_fork(server, worker):
    """A worker dies with its master (Linux): killed outright when the master is.

    Workers otherwise notice a dead master only at their next loop (about a second), then finish
    what is in flight for up to ``graceful_timeout``, still holding the listening socket: a master
    killed with SIGKILL left workers serving and the port taken, and the restart failed. A master
    that dies this way is not a graceful stop anyway (that is SIGTERM, which still drains).
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: %s", os.strerror(ctypes.get_errno()))
    elif os.getppid() != server.pid:  # the master died before the line above
        os._exit(1)


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
