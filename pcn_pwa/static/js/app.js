// Runs on every page: registers the service worker (and asks before updating it), shows the
// sync status, drives the outbox's sync and the language switch for the signed-in user.

import {initLanguageSwitch} from './language.js';
import {Outbox, UNSENT} from './outbox.js';
import {RecordCopy} from './record-copy.js';
import {refreshReference} from './reference.js';
import {syncWords, t} from './strings.js';
import {SyncClient} from './sync-client.js';

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content || '';
export const username = meta('pcn-user');
export const canWrite = meta('pcn-can-write') === '1';
export const outbox = username && canWrite ? new Outbox(username) : null;
export const syncClient = outbox ? new SyncClient(outbox, username, {appVersion: meta('pcn-version')}) : null;
// The agency's recent records, kept on the tablet for the pages that must work offline.
export const recordCopy = outbox ? new RecordCopy(username) : null;

// Pages with unsaved input register here so an update never reloads under the advisor.
export const unsaved = new Set();

// --- service worker and its update flow -------------------------------------------------

async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return null;
  const registration = await navigator.serviceWorker.register('/sw.js', {scope: '/'});
  const offerUpdate = (worker) => showUpdatePrompt(worker);
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    installing.addEventListener('statechange', () => {
      if (installing.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(installing);
    });
  });
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (!reloading && window.pcnAskedForUpdate) { reloading = true; window.location.reload(); }
  });
  if (username) {
    // The shell is cached from signed-in pages (in their language), as soon as one is controlled.
    // The shell pages this user may open; no list: all of them.
    const pages = document.querySelector('meta[name="pcn-shell"]') ? meta('pcn-shell').split(' ').filter(Boolean) : null;
    const cacheShell = () => navigator.serviceWorker.controller?.postMessage(
      {action: 'cacheShell', language: document.documentElement.lang, pages});
    cacheShell();
    navigator.serviceWorker.addEventListener('controllerchange', cacheShell);
  }
  return registration;
}

function showUpdatePrompt(worker) {
  const banner = document.getElementById('update-banner');
  if (!banner) return;
  banner.hidden = false;
  const button = banner.querySelector('button');
  const note = banner.querySelector('.update-note');
  button.addEventListener('click', () => {
    if (unsaved.size || syncClient?.status.state === 'sending') {
      note.textContent = t('finish_first');
      return;
    }
    window.pcnAskedForUpdate = true;
    worker.postMessage({action: 'skipWaiting'});
  });
}

// --- status bar ---------------------------------------------------------------------------

// Dates and numbers as the page's language writes them; New Caledonia's French where the
// browser has no data for the language (Drehu, Nengone…), as the server does.
export const formatLocale = (() => {
  const lang = document.documentElement.lang || 'fr';
  return Intl.NumberFormat.supportedLocalesOf([lang]).length ? lang : 'fr-NC';
})();
export const formatNumber = (value) => new Intl.NumberFormat(formatLocale).format(value);

export function formatWhen(iso) {
  return new Intl.DateTimeFormat(formatLocale,
    {dateStyle: 'short', timeStyle: 'short', timeZone: 'Pacific/Noumea'}).format(new Date(iso));
}

export function formatDay(iso) {
  return new Intl.DateTimeFormat(formatLocale, {dateStyle: 'short', timeZone: 'Pacific/Noumea'}).format(new Date(iso));
}

// Changes come in bursts (a batch of 500 filed, another tab saving): one render for a burst.
// A timer, not an animation frame: a tab in the background must be current when it is shown.
const RENDER_DELAY_MS = 50;
let renderQueued = null;
function queueRender() {
  renderQueued ||= new Promise((resolve) => {
    setTimeout(() => { renderQueued = null; resolve(Promise.all([renderStatus(), renderDeviceCounts()])); },
      RENDER_DELAY_MS);
  });
  return renderQueued;
}

export async function renderStatus() {
  const bar = document.getElementById('sync-status');
  if (!bar || !outbox) return;
  const counts = await outbox.counts();
  const status = syncClient.status;
  const words = syncWords({...status, online: navigator.onLine, unsent: counts.unsent,
    toFix: counts.invalid + counts.conflict + counts.forbidden}, {t, number: formatNumber, when: formatWhen});
  bar.querySelector('.status-text').textContent = words.text;
  // Records to review: the advice is the link to the sync page (but on that page itself).
  const advice = words.seeSync && !document.getElementById('outbox-list')
    ? Object.assign(document.createElement('a'), {href: '/synchronisation', className: 'see-sync'}) : null;
  if (advice) advice.textContent = words.advice;
  bar.querySelector('.status-advice').replaceChildren(advice || words.advice);
  bar.dataset.waiting = String(counts.unsent);
  bar.dataset.state = status.state;
  bar.dataset.tone = words.tone;
  bar.querySelector('.sign-in-again').hidden = !words.signIn;
}

// --- the home page's day and week: the server's counts plus the records waiting here --------

// Records seen waiting here since the page was drawn (id -> when): once sent they are still
// missing from the server's counts on this page, so they stay added, no longer "waiting".
const addedHere = new Map();

async function renderDeviceCounts() {
  const table = document.querySelector('table.day-week');
  if (!table || !outbox) return;
  // Only records the server never had (an edit of a sent one is counted there already); all are
  // this user's and their agency's, as the outbox is theirs alone.
  const waiting = new Set();
  for (const record of await outbox.inState(...UNSENT)) {
    if (record.base_version || !record.data) continue;
    waiting.add(record.id);
    addedHere.set(record.id, Date.parse(record.data.occurred_at));
  }
  table.querySelectorAll('td[data-period]').forEach((cell) => {
    const since = Date.parse(table.dataset[`${cell.dataset.period}Start`]);
    const ids = [...addedHere].filter(([, moment]) => moment >= since).map(([id]) => id);
    const onDevice = ids.filter((id) => waiting.has(id)).length;
    cell.querySelector('.count').textContent = formatNumber(Number(cell.dataset.count) + ids.length);
    const note = cell.querySelector('.on-device');
    note.textContent = onDevice ? t('home_waiting', {num: formatNumber(onDevice)}) : '';
    note.hidden = !onDevice;
  });
}

// --- sign-out guard -------------------------------------------------------------------------

function guardLogout() {
  const form = document.querySelector('form.logout');
  if (!form) return;
  form.addEventListener('submit', async (event) => {
    if (form.dataset.confirmed) return;
    event.preventDefault();
    const counts = outbox ? await outbox.counts() : {unsent: 0};
    if (counts.unsent && !window.confirm(t('logout_unsent', {num: counts.unsent}))) return;
    navigator.serviceWorker?.controller?.postMessage({action: 'forgetPages'});
    form.dataset.confirmed = '1';
    form.submit();
  });
}

// --- the menu, folded behind a button on a phone (CSS decides when) --------------------------

function initMenu() {
  const toggle = document.querySelector('.menu-toggle');
  const menu = document.getElementById('app-menu');
  if (!toggle || !menu) return;
  const show = (open) => {
    toggle.setAttribute('aria-expanded', String(open));
    menu.classList.toggle('open', open);
  };
  toggle.addEventListener('click', () => show(toggle.getAttribute('aria-expanded') !== 'true'));
  // Escape folds it again and gives the focus back to its button, as a disclosure does.
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && menu.classList.contains('open')) { show(false); toggle.focus(); }
  });
}

// --- install prompt, where the browser offers one -------------------------------------------------

window.addEventListener('beforeinstallprompt', (event) => {
  event.preventDefault();
  const button = document.getElementById('install-app');
  if (!button) return;
  button.hidden = false;
  button.addEventListener('click', async () => {
    button.hidden = true;
    await event.prompt();
  }, {once: true});
});

const PULL_DELAY_MS = 2000;

// --- start ------------------------------------------------------------------------------------

export async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker?.ready;
    if (registration && 'sync' in registration) await registration.sync.register('pcn-outbox');
  } catch (error) { /* not offered by this browser: the timer and `online` do the work */ }
}

export async function askPersistentStorage() {
  if (navigator.storage?.persist && !localStorage.getItem('pcn-persist-asked')) {
    localStorage.setItem('pcn-persist-asked', '1');
    await navigator.storage.persist();
  }
}

registerServiceWorker().catch((error) => console.warn('service worker not registered', error));
initMenu();
guardLogout();
initLanguageSwitch(username, unsaved);
if (syncClient) {
  syncClient.addEventListener('status', queueRender);
  outbox.onChange(queueRender);
  window.addEventListener('online', () => { renderStatus(); syncClient.run({reset: true}); });
  window.addEventListener('offline', renderStatus);
  document.querySelector('#sync-status .sync-now')?.addEventListener('click', () => syncClient.run({reset: true}));
  renderStatus();
  renderDeviceCounts();
  // A pull after every push that went through (at start, on `online`, after a save, on the
  // retry timer); it runs beside the pushes, never holding their lock, with its own timeouts.
  // The page's own requests go first (a first-use form waits for the reference data, the
  // offline pages need its labels): the pull starts a moment later, after the reference.
  syncClient.addEventListener('finished', (event) => {
    if (event.detail !== 'done' && event.detail !== 'nothing') return;
    setTimeout(() => refreshReference().finally(() => recordCopy.pull()), PULL_DELAY_MS);
  });
  syncClient.run();
}
