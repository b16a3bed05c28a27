/* Service worker of the PCN app, served at /sw.js so its scope is the whole site.
 * This first version only takes control; the offline shell and the outbox come with the
 * offline-first work, which replaces this file and bumps the cache version. */
'use strict';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
