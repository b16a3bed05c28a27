"""The pages the service worker keeps for offline use.

Its static files and their version come from the build of static/ (static_build.py): the
version is a digest of every file, so a deployment that changes a CSS or JS file also changes
/sw.js, which the browser then installs as a new service worker.
"""

# Pages an advisor needs offline; cached once signed in (they are per user and language).
# Not the records' list: offline, the worker answers it with RECORDS_PAGE, never with its copy.
SHELL_PAGES = ["/", "/accompagnements/nouveau", "/synchronisation", "/hors-ligne",
               "/accompagnements/carte/", "/accompagnements/sur-la-tablette"]
OFFLINE_PAGE = "/hors-ligne"
# Offline, the list, a record's page and a card's history are this page, rendered on the tablet
# from its copy of the agency's records (static/js/record-copy.js).
RECORDS_PAGE = "/accompagnements/sur-la-tablette"
