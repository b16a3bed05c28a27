// The language switch, offline too (for a signed-in user, whose pages the worker keeps).
//
// Online, the form posts as usual: the server keeps the choice, and the next page, in the new
// language, has the worker cache the shell in it too (app.js asks on every page load).
// When the server cannot be reached, a language in which this page is cached applies at once:
// the worker is told (offline it serves pages in the user's language) and the page reloads from
// the cache. The choice waits in localStorage until the server can be told.

import {t} from './strings.js';

const REQUEST_TIMEOUT_MS = 5000;
const RETRY_MS = 30000;

const pendingKey = (username) => `pcn-language-${username}`;

// The key under which sw.js keeps this page in language ``code`` (see pageKey() there).
const cachedHere = (code) => caches.match(`${window.location.pathname}?lang=${code}`);

/** Tell the worker the user's language; resolves once it has stored it. */
function tellWorker(code) {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = resolve;
    worker.postMessage({action: 'language', code}, [channel.port2]);
    setTimeout(resolve, 2000); // an older worker that does not answer
  });
}

/** A fresh CSRF token; '' if the server answers but not for this session; null if unreachable
 * (/api/ is never answered from a cache, so this tests the network for real). */
async function freshToken() {
  if (!navigator.onLine) return null;
  try {
    const response = await fetch('/api/v1/me', {cache: 'no-store', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS)});
    return response.ok ? (await response.json()).csrf_token : '';
  } catch (error) {
    return null;
  }
}

function showNote(text) {
  const note = document.getElementById('language-note') || document.createElement('p');
  note.id = 'language-note';
  note.className = 'flash flash-error';
  note.setAttribute('role', 'alert');
  note.textContent = text;
  document.getElementById('content').prepend(note);
}

let retryTimer = null;

/** Tell the server a choice made offline; retried until it is through. */
async function sendChoice(username, unsaved) {
  const key = pendingKey(username);
  const code = localStorage.getItem(key);
  if (!code) return;
  clearTimeout(retryTimer);
  const token = await freshToken();
  let sent = false;
  if (token) {
    const body = new URLSearchParams({csrf_token: token, locale: code, next: '/'});
    try {
      // Success is the redirect to the next page, which we do not need.
      sent = (await fetch('/langue', {method: 'POST', body, redirect: 'manual'})).type === 'opaqueredirect';
    } catch (error) { /* unreachable again */ }
  }
  if (!sent) {
    retryTimer = setTimeout(() => sendChoice(username, unsaved), RETRY_MS);
    return;
  }
  if (localStorage.getItem(key) === code) localStorage.removeItem(key);
  // A page the server rendered before it knew the choice: load it again, in the chosen language.
  if (document.documentElement.lang !== code && !unsaved.size) window.location.reload();
  else navigator.serviceWorker?.controller?.postMessage({action: 'cacheShell'});
}

export function initLanguageSwitch(username, unsaved) {
  if (!username) return;
  const pending = localStorage.getItem(pendingKey(username));
  tellWorker(pending || document.documentElement.lang);

  const form = document.querySelector('form.language-switch');
  form?.addEventListener('submit', async (event) => {
    if (form.dataset.reachable) return; // checked below: the browser posts the form
    event.preventDefault();
    const button = event.submitter;
    // Either way the page reloads: a record being typed would be lost without a word.
    if (unsaved.size && !window.confirm(t('language_loses_input'))) return;
    const token = await freshToken();
    if (token !== null) {
      if (token) form.elements.csrf_token.value = token; // the page may come from the cache
      localStorage.removeItem(pendingKey(username));
      form.dataset.reachable = '1';
      form.requestSubmit(button);
      delete form.dataset.reachable;
      return;
    }
    if (!navigator.serviceWorker?.controller || !(await cachedHere(button.value))) {
      showNote(t('language_not_offline'));
      return;
    }
    localStorage.setItem(pendingKey(username), button.value);
    await tellWorker(button.value);
    window.location.reload();
  });

  const send = () => sendChoice(username, unsaved);
  window.addEventListener('online', send);
  send();
}
