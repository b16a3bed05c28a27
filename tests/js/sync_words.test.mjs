// The sync bar's words in each state (syncWords and formatBytes of static/js/strings.js), with the French strings of the
// catalogue: it never says "all sent" with records waiting nor a last sending that never was,
// and it says what to do whenever there is something to do. Sizes in French and English.

import assert from 'node:assert/strict';
import {describe, test} from 'node:test';

// strings.js loads the page's strings at import: a document naming none, and it loads nothing.
globalThis.document = {querySelector: () => null};
const {formatBytes, syncWords} = await import('../../pcn_pwa/static/js/strings.js');

const STRINGS = {
  online: 'En ligne', offline: 'Hors ligne', waiting: '%(num)s en attente', all_sent: 'Tout est envoyé',
  nothing_to_send: 'Rien à envoyer', last_sync: 'Dernier envoi : %(when)s', progress: '%(sent)s / %(total)s envoyés',
  advice_sending: 'Rien à faire : l’envoi se termine tout seul.',
  advice_offline: 'Rien à faire : ils partiront tout seuls au retour du réseau.',
  advice_waiting: 'Rien à faire : ils partent tout seuls dans un instant.',
  advice_to_fix: '%(num)s à revoir : ouvrez la page Synchronisation.',
  error_auth: 'Session expirée : reconnectez-vous.', error_network: 'Pas de réseau : nouvel essai automatique.',
  error_server: 'Le serveur ne répond pas correctement : nouvel essai automatique.',
};
const words = {
  t: (key, params = {}) => (STRINGS[key] ?? assert.fail(`no string ${key}`)).replace(/%\((\w+)\)s/g, (_, name) => params[name]),
  number: (value) => String(value),
  when: () => '06/12/2026 09:41',
};
const say = (facts) => syncWords({online: true, unsent: 0, toFix: 0, state: 'idle', error: null, lastSuccess: null,
  ...facts}, words);
const SENT = '2026-12-05T22:41:00Z';

describe('the sync bar', () => {
  test('a new tablet with nothing recorded says there is nothing to send, not that it never sent', () => {
    const bar = say({});
    assert.equal(bar.text, 'En ligne · Rien à envoyer');
    assert.equal(bar.advice, '');
    assert.equal(bar.tone, 'calm');
  });

  test('everything sent says when it last went', () => {
    assert.equal(say({lastSuccess: SENT}).text, 'En ligne · Tout est envoyé · Dernier envoi : 06/12/2026 09:41');
  });

  test('records waiting online are never "all sent", and go by themselves', () => {
    for (const lastSuccess of [null, SENT]) {
      const bar = say({unsent: 3, lastSuccess});
      assert.match(bar.text, /^En ligne · 3 en attente/);
      assert.doesNotMatch(bar.text, /Tout est envoyé|Rien à envoyer/);
      assert.equal(bar.advice, STRINGS.advice_waiting);
    }
  });

  test('offline with records waiting: they leave when the network is back', () => {
    const bar = say({online: false, unsent: 2, error: 'network'});
    assert.equal(bar.text, 'Hors ligne · 2 en attente');
    assert.equal(bar.advice, STRINGS.advice_offline);
    assert.equal(bar.tone, 'calm');
  });

  test('offline with nothing waiting says so, with no advice', () => {
    const bar = say({online: false, lastSuccess: SENT});
    assert.equal(bar.text, 'Hors ligne · Tout est envoyé · Dernier envoi : 06/12/2026 09:41');
    assert.equal(bar.advice, '');
  });

  test('sending shows the progress and nothing to do', () => {
    const bar = say({unsent: 500, state: 'sending', sent: 200, total: 500});
    assert.equal(bar.text, 'En ligne · 200 / 500 envoyés');
    assert.equal(bar.advice, STRINGS.advice_sending);
  });

  test('a failed try online says why and that it will try again', () => {
    assert.equal(say({unsent: 1, state: 'waiting', error: 'server'}).advice, STRINGS.error_server);
  });

  test('an expired session asks to sign in again', () => {
    const bar = say({unsent: 2, state: 'auth', error: 'auth'});
    assert.equal(bar.advice, STRINGS.error_auth);
    assert.equal(bar.tone, 'act');
    assert.ok(bar.signIn && !bar.seeSync);
  });

  test('records to fix send the advisor to the sync page', () => {
    const bar = say({unsent: 4, toFix: 1, lastSuccess: SENT});
    assert.equal(bar.advice, '1 à revoir : ouvrez la page Synchronisation.');
    assert.equal(bar.tone, 'act');
    assert.ok(bar.seeSync && !bar.signIn);
  });
});

describe('sizes', () => {
  test('in French', () => {
    assert.match(formatBytes(400e3, 'fr-NC'), /^0,4\s+Mo$/u);
    assert.match(formatBytes(10e9, 'fr-NC'), /^10\s+Go$/u);
    assert.match(formatBytes(12.3e6, 'fr-NC'), /^12\s+Mo$/u);
    assert.match(formatBytes(42e3, 'fr-NC'), /^42\s+ko$/u);
  });

  test('in English', () => {
    assert.equal(formatBytes(400e3, 'en'), '0.4 MB');
    assert.equal(formatBytes(10e9, 'en'), '10 GB');
  });
});
