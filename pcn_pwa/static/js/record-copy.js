// The tablet's copy of the agency's recent records (the last 90 days), so that the list, a
// record's page and a card's history work offline. Pulled from GET /api/v1/accompaniments,
// resuming from the server's cursor, after each push, at start and when the link comes back;
// deleted records and those older than 90 days leave the copy. One database per signed-in
// user, like the outbox, so a shared tablet keeps each advisor's copy apart.
//
// The copy is only read to show records: what waits to be sent lives in the outbox, never here,
// so a pull can never overwrite an advisor's unsent change.

import {getValue, setValue} from './device.js';
import {Store} from './idb.js';

export const KEEP_DAYS = 90;
const KEEP_MS = KEEP_DAYS * 24 * 3600 * 1000;
// Pages as small as the server's default: each holds a server worker for less time.
const PAGE_LIMIT = 200;
// Every page has a timeout: a hanging link ends the pull, never the saving or the pushing.
const PAGE_TIMEOUT_MS = 30000;

/** Whether a pulled record belongs in the copy: not deleted, and at most 90 days old. */
export function kept(record, now = Date.now()) {
  const moment = Date.parse(record?.data?.occurred_at);
  return !record.deleted && Number.isFinite(moment) && moment >= now - KEEP_MS;
}

/** What the copy stores of a pulled record: the record, and what its indexes need. */
export function entry(record) {
  return {id: record.id, version: record.version, data: record.data, updated_at: record.updated_at,
    occurred_at: new Date(record.data.occurred_at).toISOString(), card: record.data.beneficiary?.card || ''};
}

export class RecordCopy {
  constructor(username) {
    this.username = username;
    this.store = new Store(`pcn-records-${username}`, 'records', 'id', ['card']);
    this.cursorKey = `pull-cursor-${username}`;
    this.pulledKey = `last-pull-${username}`;
    this.listeners = new Set();
    this.pulling = null;
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`pcn-records-${username}`);
    this.channel?.addEventListener('message', () => this.notify());
  }

  onChange(listener) { this.listeners.add(listener); }

  notify() { this.listeners.forEach((listener) => listener()); }

  get(id) { return this.store.get(id); }

  /** Every record of the copy, the most recent first. */
  async all() {
    return (await this.store.all()).sort((a, b) => b.occurred_at.localeCompare(a.occurred_at) || a.id.localeCompare(b.id));
  }

  /** The visits of one follow-up card, oldest first. */
  async ofCard(code) {
    return (await this.store.allBy('card', code)).sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  }

  lastPull() { return getValue(this.pulledKey); }

  /** Bring the copy up to date; one pull at a time per user (a tab finding one under way lets
   *  it be). Resolves to 'done', 'busy', 'auth', 'network' or 'server'; never throws. */
  pull() {
    if (!this.pulling) {
      const once = () => this.pullAll().catch(() => 'network');
      const locked = navigator.locks
        ? navigator.locks.request(`pcn-pull-${this.username}`, {ifAvailable: true}, (lock) => (lock ? once() : 'busy'))
        : once();
      this.pulling = locked.finally(() => { this.pulling = null; });
    }
    return this.pulling;
  }

  async pullAll() {
    let cursor = (await getValue(this.cursorKey)) || '0';
    let more = true;
    while (more) {
      const url = `/api/v1/accompaniments?since=${encodeURIComponent(cursor)}&limit=${PAGE_LIMIT}`;
      const response = await fetch(url, {credentials: 'same-origin', cache: 'no-store',
        signal: AbortSignal.timeout(PAGE_TIMEOUT_MS)});
      if (response.status === 401) return 'auth';
      if (!response.ok) return 'server';
      const page = await response.json();
      if (!Array.isArray(page.records) || typeof page.cursor !== 'string') return 'server';
      await this.apply(page.records);
      // Kept after the records: a pull cut between the two only asks for the same page again.
      cursor = page.cursor;
      await setValue(this.cursorKey, cursor);
      more = page.more === true && page.records.length > 0;
    }
    await this.prune();
    await setValue(this.pulledKey, new Date().toISOString());
    this.changed();
    return 'done';
  }

  /** One page of the pull, in one transaction: kept records stored, the others removed. */
  async apply(records, now = Date.now()) {
    if (!records.length) return;
    await this.store.write((store) => records.forEach((record) => {
      if (kept(record, now)) store.put(entry(record));
      else store.delete(record.id);
    }));
  }

  /** Records that have grown older than 90 days since they were pulled leave the copy. */
  async prune(now = Date.now()) {
    const limit = new Date(now - KEEP_MS).toISOString();
    const old = (await this.store.all()).filter((record) => record.occurred_at < limit);
    if (old.length) await this.store.delete(...old.map((record) => record.id));
  }

  changed() {
    this.notify();
    this.channel?.postMessage({type: 'changed'});
  }
}
