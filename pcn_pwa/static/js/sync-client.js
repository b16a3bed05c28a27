// Sends the outbox to the server (POST /api/v1/sync) and files each answer.
//
// Only a 2xx answer with one result per record counts. 401 stops and asks to sign in again,
// keeping every record; 5xx, timeouts and network errors retry with backoff (1 s doubling to
// 5 min); invalid and forbidden records wait for the advisor; conflicts wait for their choice.
// A Web Lock keeps two tabs from pushing at once: a tab that finds it taken waits its turn
// (then finds whatever is still unsent), and every tab shows the status of the one pushing.

import {deviceId, getValue, setValue} from './device.js';

const MAX_BATCH = 500;
// Every request has a timeout: an island link often hangs instead of failing.
const TOKEN_TIMEOUT_MS = 10000;
const PUSH_TIMEOUT_MS = 30000;
const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 5 * 60 * 1000;

async function gzip(text) {
  if (typeof CompressionStream === 'undefined') return null;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

async function fetchWithTimeout(url, timeout, options = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  try {
    return await fetch(url, {...options, signal: controller.signal, credentials: 'same-origin', cache: 'no-store'});
  } finally {
    clearTimeout(timer);
  }
}

class Stop extends Error {
  constructor(kind, detail) { super(kind); this.kind = kind; this.detail = detail; }
}

export class SyncClient extends EventTarget {
  /** ``retry``: retry failures on a timer (pages); the service worker leaves that to the browser.
   *  ``appVersion``: the app's version, told to the server with each push (sync health). */
  constructor(outbox, username, {retry = true, appVersion = null} = {}) {
    super();
    this.outbox = outbox;
    this.username = username;
    this.retry = retry;
    this.appVersion = appVersion;
    this.delay = FIRST_DELAY_MS;
    this.timer = null;
    this.running = false;
    this.turn = null;  // this tab's run, waiting for the lock or pushing
    this.again = false;
    this.status = {state: 'idle', sent: 0, total: 0, error: null, lastSuccess: null};
    this.lastSyncKey = `last-sync-${username}`;
    getValue(this.lastSyncKey).then((when) => {
      if (when && !this.status.lastSuccess) {
        this.status.lastSuccess = when;
        this.dispatchEvent(new CustomEvent('status', {detail: {...this.status}}));
      }
    }).catch(() => {});
    // The other tabs (and the service worker) of this user say how their pushes go.
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`pcn-sync-${username}`);
    this.channel?.addEventListener('message', (event) => this.heard(event.data));
  }

  emit(changes) {
    Object.assign(this.status, changes);
    this.dispatchEvent(new CustomEvent('status', {detail: {...this.status}}));
    this.channel?.postMessage({type: 'status', status: {...this.status}});
  }

  /** Another tab's push: show it, and after a success forget this tab's own failed attempt. */
  heard(message) {
    if (message?.type !== 'status' || this.running) return;
    const {state, sent, total, error, lastSuccess} = message.status;
    Object.assign(this.status, {state, sent, total, error, lastSuccess});
    if (state === 'idle' && !error) {
      clearTimeout(this.timer);
      this.delay = FIRST_DELAY_MS;
      this.status.nextTry = null;
    }
    this.dispatchEvent(new CustomEvent('status', {detail: {...this.status}}));
  }

  /** Sync now (from a save, the `online` event, start-up, the button, or the timer). */
  run({reset = false} = {}) {
    if (reset) this.delay = FIRST_DELAY_MS;
    clearTimeout(this.timer);
    if (this.turn) {  // one run per tab: the one under way goes round once more
      this.again = true;
      return this.turn;
    }
    const once = async () => {
      this.running = true;
      try { return await this.pushAll(); } finally { this.running = false; }
    };
    const locked = navigator.locks ? () => navigator.locks.request(`pcn-sync-${this.username}`, once) : once;
    this.turn = (async () => {
      let outcome;
      do {
        this.again = false;
        outcome = await locked();
      } while (this.again && (outcome === 'done' || outcome === 'nothing'));
      // Heard by the page, which then pulls the agency's records (record-copy.js).
      this.dispatchEvent(new CustomEvent('finished', {detail: outcome}));
      return outcome;
    })().finally(() => { this.turn = null; });
    return this.turn;
  }

  retryLater() {
    if (!this.retry) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), this.delay);
    this.emit({nextTry: Date.now() + this.delay});
    this.delay = Math.min(this.delay * 2, MAX_DELAY_MS);
  }

  async pushAll() {
    // Records left "sending" by a closed tab were never acknowledged: they go again.
    const waiting = await this.outbox.inState('pending', 'sending');
    if (!waiting.length) {
      this.emit({state: 'idle', sent: 0, total: 0, error: null});
      return 'nothing';
    }
    this.emit({state: 'sending', sent: 0, total: waiting.length, error: null});
    // Records that wait for the advisor (to fix, a conflict) are not sent but still unsent.
    const held = (await this.outbox.counts()).unsent - waiting.length;
    try {
      const token = await this.csrfToken();
      let sent = 0;
      let size = MAX_BATCH;
      while (sent < waiting.length) {
        const batch = waiting.slice(sent, sent + size);
        const outcome = await this.pushBatch(batch, token, held + waiting.length - sent - batch.length);
        if (outcome === 'smaller') {
          if (size === 1) throw new Stop('refused', 413);
          size = Math.max(1, Math.floor(size / 2));
          continue;
        }
        sent += batch.length;
        this.emit({sent});
      }
      this.delay = FIRST_DELAY_MS;
      const now = new Date().toISOString();
      await setValue(this.lastSyncKey, now);
      this.emit({state: 'idle', lastSuccess: now, nextTry: null});
      await this.outbox.prune();
      return 'done';
    } catch (error) {
      const stop = error instanceof Stop ? error : new Stop('network', String(error));
      if (stop.kind === 'auth') {
        this.emit({state: 'auth', error: 'auth'});
      } else {
        this.emit({state: 'waiting', error: stop.kind});
        this.retryLater();
      }
      return stop.kind;
    }
  }

  async csrfToken() {
    let response;
    try {
      response = await fetchWithTimeout('/api/v1/me', TOKEN_TIMEOUT_MS);
    } catch (error) {
      throw new Stop('network');
    }
    if (response.status === 401) throw new Stop('auth');
    if (!response.ok) throw new Stop('server', response.status);
    return (await response.json()).csrf_token;
  }

  async pushBatch(batch, token, stillPending) {
    await this.outbox.update(batch.map((record) => ({...record, state: 'sending'})));
    const body = JSON.stringify({
      device_id: await deviceId(),
      pending: stillPending + batch.length,
      ...(this.appVersion ? {app_version: this.appVersion} : {}),
      records: batch.map((record) => ({id: record.id, base_version: record.base_version, data: record.data,
        client_updated_at: record.updated_at, ...(record.deleted ? {deleted: true} : {})})),
    });
    const headers = {'Content-Type': 'application/json', 'X-CSRFToken': token};
    const compressed = await gzip(body);
    if (compressed) headers['Content-Encoding'] = 'gzip';
    let response;
    try {
      response = await fetchWithTimeout('/api/v1/sync', PUSH_TIMEOUT_MS,
        {method: 'POST', headers, body: compressed || body});
    } catch (error) {
      await this.putBack(batch);
      throw new Stop('network');
    }
    if (response.status === 413) { await this.putBack(batch); return 'smaller'; }
    let answer = null;
    try { answer = await response.json(); } catch (error) { answer = null; }
    const results = answer && Array.isArray(answer.results) ? answer.results : null;
    if (!response.ok || !results || results.length !== batch.length) {
      await this.putBack(batch);
      if (response.status === 401) throw new Stop('auth');
      throw new Stop(response.status >= 500 || response.ok ? 'server' : 'refused', response.status);
    }
    const byId = new Map(batch.map((record) => [record.id, record]));
    const now = new Date().toISOString();
    await this.outbox.update(results.map((result) => {
      const record = {...byId.get(result.id), updated_at: now, attempts: 0};
      switch (result.status) {
        case 'created': case 'updated': case 'unchanged':
          return {...record, state: 'synced', base_version: result.version, errors: null, message: null};
        case 'conflict':
          return {...record, state: 'conflict', server_data: result.server_data, server_version: result.version,
            server_deleted: result.deleted};
        case 'invalid':
          return {...record, state: 'invalid', errors: result.errors};
        case 'forbidden':
          return {...record, state: 'forbidden', message: result.message};
        default:
          return {...record, state: 'pending'};
      }
    }));
    return 'sent';
  }

  async putBack(batch) {
    await this.outbox.update(batch.map((record) => ({...record, state: 'pending', attempts: (record.attempts || 0) + 1})));
  }
}
