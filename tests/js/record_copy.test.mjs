// The tablet's copy of the agency's records (static/js/record-copy.js): what a pulled page
// keeps and removes, and what leaves as it grows older than 90 days. The database is replaced
// by a map with the same calls; the browser tests run the real one.

import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

import {entry, kept, KEEP_DAYS, RecordCopy} from '../../pcn_pwa/static/js/record-copy.js';

const NOW = Date.parse('2026-12-03T09:00:00+11:00');
const DAY = 24 * 3600 * 1000;
const moment = (daysAgo) => new Date(NOW - daysAgo * DAY).toISOString().replace('Z', '+00:00');

const pulled = (id, daysAgo, changes = {}) => ({
  id, version: 1, updated_at: '2026-12-01T00:00:00Z', deleted: false,
  data: {agency: 'TADINE', kind: 'individual', occurred_at: moment(daysAgo), beneficiary: {card: 'K7M4QXP2'}},
  ...changes,
});

/** The Store calls RecordCopy makes, on a Map. */
function memoryStore() {
  const rows = new Map();
  return {
    rows,
    async write(fn) { fn({put: (value) => rows.set(value.id, value), delete: (key) => rows.delete(key)}); },
    async all() { return [...rows.values()]; },
    async get(key) { return rows.get(key); },
    async allBy(index, value) { return [...rows.values()].filter((row) => row[index] === value); },
    async delete(...keys) { keys.forEach((key) => rows.delete(key)); },
  };
}

function copy() {
  const made = new RecordCopy('conseiller');
  made.channel?.close();  // Node has BroadcastChannel too: an open one would keep the test running
  made.channel = null;
  made.store = memoryStore();
  return made;
}

describe('what the copy keeps', () => {
  test('records of the last 90 days, to the minute', () => {
    assert.equal(KEEP_DAYS, 90);
    assert.ok(kept(pulled('a', 0), NOW));
    assert.ok(kept(pulled('a', 89.99), NOW));
    assert.ok(kept(pulled('a', 90), NOW));
    assert.ok(!kept(pulled('a', 90.01), NOW));
  });

  test('never a deleted record, nor one whose moment cannot be read', () => {
    assert.ok(!kept(pulled('a', 1, {deleted: true}), NOW));
    assert.ok(!kept(pulled('a', 1, {data: {occurred_at: 'tomorrow'}}), NOW));
    assert.ok(!kept(pulled('a', 1, {data: {}}), NOW));
  });

  test('an entry indexes its moment in UTC and its card', () => {
    const made = entry(pulled('a', 0, {data: {occurred_at: '2026-12-03T09:00:00+11:00', beneficiary: {card: 'K7M4QXP2'}}}));
    assert.equal(made.occurred_at, '2026-12-02T22:00:00.000Z');
    assert.equal(made.card, 'K7M4QXP2');
    assert.equal(entry(pulled('b', 0, {data: {occurred_at: moment(0)}})).card, '');
  });
});

describe('a pulled page', () => {
  test('stores the new, replaces the changed, removes the deleted and the too old', async () => {
    const tablet = copy();
    await tablet.apply([pulled('a', 1), pulled('b', 2), pulled('c', 3)], NOW);
    await tablet.apply([pulled('a', 1, {version: 2}), pulled('b', 2, {version: 2, deleted: true}),
      pulled('c', 95, {version: 2})], NOW);
    assert.deepEqual([...tablet.store.rows.keys()], ['a']);
    assert.equal((await tablet.get('a')).version, 2);
  });

  test('lists the most recent first and a card oldest first', async () => {
    const tablet = copy();
    await tablet.apply([pulled('old', 10), pulled('new', 1), pulled('mid', 5)], NOW);
    assert.deepEqual((await tablet.all()).map((r) => r.id), ['new', 'mid', 'old']);
    assert.deepEqual((await tablet.ofCard('K7M4QXP2')).map((r) => r.id), ['old', 'mid', 'new']);
  });

  test('records grown older than 90 days leave at the next pull', async () => {
    const tablet = copy();
    await tablet.apply([pulled('a', 89), pulled('b', 10)], NOW);
    await tablet.prune(NOW + 2 * DAY);
    assert.deepEqual([...tablet.store.rows.keys()], ['b']);
  });
});
