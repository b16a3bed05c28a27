// The device outbox: every record saved on this tablet, one database per signed-in user so a
// shared tablet keeps each advisor's records apart. A record leaves only when the server has
// acknowledged it (and stays a while as "synced" so the advisor sees it went).

import {Store} from './idb.js';

export const STATES = ['pending', 'sending', 'synced', 'conflict', 'invalid', 'forbidden'];
export const UNSENT = ['pending', 'sending', 'conflict', 'invalid', 'forbidden'];
const KEEP_SYNCED_MS = 7 * 24 * 3600 * 1000;

export class Outbox {
  constructor(username) {
    this.store = new Store(`pcn-outbox-${username}`, 'records', 'id', ['state']);
    this.listeners = new Set();
    // Every tab of this user (and the service worker) hears of every change, at once.
    this.channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(`pcn-outbox-${username}`);
    this.channel?.addEventListener('message', () => this.notify());
  }

  onChange(listener) { this.listeners.add(listener); }

  notify() { this.listeners.forEach((listener) => listener()); }

  changed() {
    this.notify();
    this.channel?.postMessage({type: 'changed'});
  }

  /** Save a record on the device first: a new one, a fixed one under the same id, or a change
   *  to a record of the server made from its version ``baseVersion``. A change still unsent
   *  keeps the version it started from, so that the server can tell if it moved meanwhile. */
  async save(id, data, baseVersion = 0) {
    const now = new Date().toISOString();
    const existing = await this.store.get(id);
    const unsent = existing && existing.state !== 'synced';
    await this.store.put({
      id, data, base_version: unsent ? existing.base_version : baseVersion, state: 'pending',
      saved_at: existing ? existing.saved_at : now, updated_at: now, errors: null, message: null,
      server_data: null, server_version: null, attempts: 0,
    });
    this.changed();
  }

  get(id) { return this.store.get(id); }

  all() { return this.store.all(); }

  async inState(...states) {
    const lists = await Promise.all(states.map((state) => this.store.allBy('state', state)));
    return lists.flat().sort((a, b) => a.saved_at.localeCompare(b.saved_at));
  }

  /** Records per state, counted by the database's index: cheap with thousands waiting. */
  async counts() {
    const numbers = await Promise.all(STATES.map((state) => this.store.countBy('state', state)));
    const counts = Object.fromEntries(STATES.map((state, i) => [state, numbers[i]]));
    counts.unsent = UNSENT.reduce((sum, state) => sum + counts[state], 0);
    return counts;
  }

  async update(records) {
    if (records.length) await this.store.put(...records);
    this.changed();
  }

  /** The advisor keeps their version of a conflict: it goes again over the server's version. */
  async keepMine(id) {
    const record = await this.store.get(id);
    Object.assign(record, {state: 'pending', base_version: record.server_version, server_data: null});
    await this.update([record]);
  }

  /** The advisor keeps the server's version: nothing more to send. */
  async keepTheirs(id) {
    const record = await this.store.get(id);
    Object.assign(record, {state: 'synced', data: record.server_data, base_version: record.server_version,
      server_data: null, updated_at: new Date().toISOString()});
    await this.update([record]);
  }

  async prune() {
    const limit = Date.now() - KEEP_SYNCED_MS;
    const old = (await this.inState('synced')).filter((r) => Date.parse(r.updated_at) < limit);
    if (old.length) await this.store.delete(...old.map((r) => r.id));
  }
}
