/* Service worker of the PCN app, served at /sw.js so its scope is the whole site.
 *
 * - Static files: cache first, precached at install from the list in /sw-assets.js, whose
 *   version changes with any static file (so a deployment brings a new worker).
 * - Pages: network first with a short timeout, then the cached copy, then the offline page.
 * - Every non-GET request and every /api/ call goes to the network untouched: records live
 *   in IndexedDB (the outbox), never in these caches, so no update can lose one.
 * - A new version waits until the page asks it to take over (the page asks the advisor first).
 */
'use strict';

importScripts('/sw-assets.js');

const ASSETS = self.PCN_ASSETS;
const PREFIX = 'pcn-';
const STATIC_CACHE = `${PREFIX}static-${ASSETS.version}`;
const PAGES_CACHE = `${PREFIX}pages-${ASSETS.version}`;
const EXPECTED_CACHES = new Set([STATIC_CACHE, PAGES_CACHE]);
const NAVIGATION_TIMEOUT_MS = 4000;

async function cacheShellPages() {
  // Pages belong to the signed-in user: cache only real pages, never the sign-in redirect.
  const cache = await caches.open(PAGES_CACHE);
  await Promise.all(ASSETS.pages.map(async (url) => {
    try {
      const response = await fetch(url, {credentials: 'same-origin', cache: 'no-store'});
      if (response.ok && !response.redirected) await cache.put(url, response);
    } catch (error) { /* offline at install: pages are cached as they are visited */ }
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await cache.addAll(ASSETS.files.map((url) => new Request(url, {cache: 'reload'})));
    await cacheShellPages();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(PREFIX) && !EXPECTED_CACHES.has(name))
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

async function navigate(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await Promise.race([fetch(request), timeout(NAVIGATION_TIMEOUT_MS)]);
    const url = new URL(response.url);
    if (response.ok && !response.redirected && request.method === 'GET') {
      cache.put(new URL(request.url).pathname, response.clone());
    } else if (response.redirected && url.pathname === '/login') {
      // Signed out or expired: the user's pages must not be shown from the cache any more.
      await caches.delete(PAGES_CACHE);
    }
    return response;
  } catch (error) {
    const path = new URL(request.url).pathname;
    return (await cache.match(path)) || (await cache.match(ASSETS.offline))
      || new Response('Hors ligne', {status: 503, headers: {'Content-Type': 'text/plain; charset=utf-8'}});
  }
}

async function staticFile(request) {
  const cached = await caches.match(request, {ignoreSearch: true});
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(STATIC_CACHE)).put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/sw')) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
  } else if (url.pathname.startsWith('/static/')) {
    event.respondWith(staticFile(request));
  }
});

self.addEventListener('message', (event) => {
  const action = event.data && event.data.action;
  if (action === 'skipWaiting') self.skipWaiting();
  if (action === 'cacheShell') event.waitUntil(cacheShellPages());
  if (action === 'forgetPages') event.waitUntil(caches.delete(PAGES_CACHE));
});

// Background Sync, where the browser has it: wake a page to push the outbox. Pages also sync
// on start-up, on `online` and on a timer, since this event alone is not enough.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'pcn-outbox') return;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({type: 'window'});
    windows.forEach((client) => client.postMessage({type: 'sync-requested'}));
  })());
});
