/* Service worker of the PCN app, served at /sw.js so its scope is the whole site.
 *
 * - Static files: cache first, precached at install from the list the server writes in below
 *   (their hashed URLs, whose version changes with any static file, so a deployment brings a
 *   new worker). A file already in an older version's cache is copied, not fetched again, and
 *   the others come through the HTTP cache: what the page has just loaded is not asked twice.
 * - Pages: network first with a short timeout, then the cached copy, then the offline page.
 *   Offline, the records' pages and a record's edit are rendered on the tablet from its copy
 *   of the agency's records and its outbox (see standIn()).
 *   A page is kept once per language (its Content-Language), so every language the advisor
 *   used stays available offline; offline, the language the page last told us comes first.
 * - The scripts' strings (/langues/<code>/textes.json?v=…): cache first, as the URL changes
 *   with them; kept across updates, language switches and sign-outs (nothing personal).
 * - No response marked no-store (a catalogue preview, say) is ever kept.
 * - Every non-GET request and every /api/ call goes to the network untouched: records live
 *   in IndexedDB (the outbox), never in these caches, so no update can lose one.
 * - A new version waits until the page asks it to take over (the page asks the advisor first).
 * - Background Sync, where the browser has it: the worker pushes the outbox itself with the
 *   pages' own outbox and sync client (/static/sw-sync.<hash>.js, the same modules as one classic script):
 *   same Web Lock, same batches, so records leave even with no window open.
 */
'use strict';

// The server writes here self.PCN_ASSETS and the import of the sync modules (pwa/routes.py).
/* assets */

const ASSETS = self.PCN_ASSETS;
const PREFIX = 'pcn-';
const STATIC_CACHE = `${PREFIX}static-${ASSETS.version}`;
const PAGES_CACHE = `${PREFIX}pages-${ASSETS.version}`;
const STRINGS_CACHE = `${PREFIX}strings`;
const STATE_CACHE = `${PREFIX}state`;
const EXPECTED_CACHES = new Set([STATIC_CACHE, PAGES_CACHE, STRINGS_CACHE, STATE_CACHE]);
const NAVIGATION_TIMEOUT_MS = 4000;
const LANGUAGE_KEY = '/.language';

// Pages on their way into the cache: the shell waits for them rather than ask them again.
const pagesBeingKept = new Set();

// Pages are cached under their path plus their language (language.js asks for the same key).
const pageKey = (path, language) => `${path}?lang=${language}`;

function storable(response) {
  return response.ok && !response.redirected && !/no-store/.test(response.headers.get('Cache-Control') || '');
}

async function keepPage(cache, path, response) {
  // Pages belong to the signed-in user: only real pages, never the sign-in redirect.
  const language = response.headers.get('Content-Language');
  if (language && storable(response)) await cache.put(pageKey(path, language), response);
}

// The user's language, as the page last told us; kept in a cache since the worker may be
// stopped at any time and lose its variables.
async function currentLanguage() {
  const stored = await caches.match(LANGUAGE_KEY, {cacheName: STATE_CACHE});
  return stored ? stored.text() : '';
}

async function setLanguage(code) {
  await (await caches.open(STATE_CACHE)).put(LANGUAGE_KEY, new Response(code));
}

// Asked by signed-in pages only, never at install: the worker often installs on the sign-in
// page, and the answers to these requests, made without a session, carried a session cookie
// that could land after the sign-in's and sign the user out again (seen in the browser tests).
// Only the pages not yet kept in the page's language are asked: the others are kept fresh by
// the advisor's own visits (network first), and a new version starts a new cache of pages.
// The page names the shell pages its user may open (meta pcn-shell; none named: all): a
// partner's or a coordinator's device never asks for an advisor's page only to be refused.
// The asking page's own path was loaded a moment ago, perhaps before this worker controlled
// it (then its navigation never came through here): it is taken from the browser's HTTP cache
// rather than downloaded a second time, and from the network only if the cache lost it.
async function cacheShellPages(language, pages, ownPath) {
  await Promise.allSettled(pagesBeingKept);
  const cache = await caches.open(PAGES_CACHE);
  const allowed = new Set(Array.isArray(pages) ? pages : ASSETS.pages);
  await Promise.all(ASSETS.pages.filter((url) => allowed.has(url)).map(async (url) => {
    if (language && await cache.match(pageKey(url, language))) return;
    try {
      // Marked, so the server leaves the user's pending messages for the page they are on.
      const headers = {'X-PCN-Shell': '1'};
      const mode = url === ownPath ? 'force-cache' : 'no-store';
      await keepPage(cache, url, await fetch(url, {credentials: 'same-origin', cache: mode, headers}));
    } catch (error) { /* offline: pages are cached as they are visited */ }
  }));
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(STATIC_CACHE);
    await Promise.all(ASSETS.files.map(async (url) => {
      if (await cache.match(url)) return;
      // A hashed URL names the same bytes forever: an older version's copy will do.
      const kept = await caches.match(url);
      const response = kept || await fetch(url);
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
      await cache.put(url, response);
    }));
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

// Offline, the records' pages (the list, a record, a card's history) are the tablet's own page,
// rendered from its copy of the agency's records; a record is edited in the new-record form,
// whose script finds the record on the device (record-form.js).
const RECORD_PAGES = /^\/accompagnements\/(?:[0-9a-f-]{36}\/?|suivi(?:\/[^/]+)?\/?)?$/i;
const EDIT_PAGE = /^\/accompagnements\/[0-9a-f-]{36}\/modifier\/?$/i;

function standIn(path) {
  if (ASSETS.records && RECORD_PAGES.test(path)) return ASSETS.records;
  if (EDIT_PAGE.test(path)) return '/accompagnements/nouveau';
  return path;
}

// Offline: this page in the user's language, else in another, else the offline page likewise.
async function cachedPage(cache, path) {
  const language = await currentLanguage();
  for (const wanted of [standIn(path), ASSETS.offline]) {
    const found = (await cache.match(pageKey(wanted, language))) || (await cache.match(wanted, {ignoreSearch: true}));
    if (found) return found;
  }
  return new Response('Hors ligne', {status: 503, headers: {'Content-Type': 'text/plain; charset=utf-8'}});
}

async function navigate(request) {
  const cache = await caches.open(PAGES_CACHE);
  const path = new URL(request.url).pathname;
  try {
    const response = await Promise.race([fetch(request), timeout(NAVIGATION_TIMEOUT_MS)]);
    if (response.redirected && new URL(response.url).pathname === '/login') {
      // Signed out or expired: the user's pages must not be shown from the cache any more.
      await caches.delete(PAGES_CACHE);
    } else {
      const keeping = keepPage(cache, path, response.clone());
      pagesBeingKept.add(keeping);
      keeping.catch(() => {}).finally(() => pagesBeingKept.delete(keeping));
    }
    return response;
  } catch (error) {
    return cachedPage(cache, path);
  }
}

async function scriptStrings(request) {
  const cache = await caches.open(STRINGS_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  try {
    const response = await fetch(request);
    // Only the version asked for is immutable; it replaces the older ones of its language.
    if (storable(response) && /immutable/.test(response.headers.get('Cache-Control'))) {
      const older = await cache.keys(request, {ignoreSearch: true});
      await Promise.all(older.map((key) => cache.delete(key)));
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    // A page cached before a catalogue changed names an older version: the newer one will do.
    return (await cache.match(request, {ignoreSearch: true})) || Response.error();
  }
}

async function staticFile(request) {
  const cached = await caches.match(request, {ignoreSearch: true});
  if (cached) return cached;
  const response = await fetch(request);
  if (storable(response)) (await caches.open(STATIC_CACHE)).put(request, response.clone());
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
  } else if (url.pathname.startsWith('/langues/')) {
    event.respondWith(scriptStrings(request));
  }
});

self.addEventListener('message', (event) => {
  const action = event.data && event.data.action;
  if (action === 'skipWaiting') self.skipWaiting();
  if (action === 'cacheShell') {
    const ownPath = event.source?.url ? new URL(event.source.url).pathname : null;
    event.waitUntil(cacheShellPages(event.data.language, event.data.pages, ownPath));
  }
  if (action === 'forgetPages') event.waitUntil(caches.delete(PAGES_CACHE));
  // Answered once stored, so that a page may reload into the cached copy in this language.
  if (action === 'language') {
    event.waitUntil(setLanguage(event.data.code).then(() => event.ports[0]?.postMessage('done')));
  }
});

// Background Sync: push the outbox of whoever is signed in, as a page would. A failure is
// thrown back so that the browser tries again later; pages also push on start-up, on
// `online` and on a timer, since this event alone is not enough (and not in every browser).
const WHO_TIMEOUT_MS = 10000;
// A link that just came back often carries nothing yet (an island link, a Wi-Fi still
// joining), and Chromium's own next try comes minutes later: a push that failed on the way
// (network, timeout, server error) is tried again within the event, after these pauses (the
// last try, after 16 s, has none: its failure goes back to the browser).
const RETRY_PAUSES_MS = [2000, 4000, 8000, 16000, 0];

/** The outcome of one push, as the pages' sync client names it. */
async function pushOutbox() {
  const response = await fetch('/api/v1/me', {credentials: 'same-origin', cache: 'no-store',
    signal: AbortSignal.timeout(WHO_TIMEOUT_MS)});
  if (response.status === 401) return 'auth';  // signed out: the records wait for the next sign-in
  if (!response.ok) return response.status >= 500 ? 'server' : 'refused';
  const {username} = (await response.json()).user;
  const {Outbox, SyncClient} = self.PCNSync;
  return new SyncClient(new Outbox(username), username, {retry: false, appVersion: ASSETS.version}).run();
}

async function pushOutboxPersistently() {
  let outcome;
  for (const pause of RETRY_PAUSES_MS) {
    outcome = await pushOutbox().catch(() => 'network');
    if (!pause || !['network', 'server'].includes(outcome)) break;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  if (!['done', 'nothing', 'auth'].includes(outcome)) throw new Error(`sync: ${outcome}`);
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'pcn-outbox') event.waitUntil(pushOutboxPersistently());
});
