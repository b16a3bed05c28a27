// The tablets' judge (static/js/rules.js) on the server's cases and rules: every case of
// tests/judge_cases.json must get exactly the verdict and messages the server's judge gives.
// tests/test_judge_parity.py writes the server's rules (client_rules(), in French) to a file
// and runs `node --test tests/js/` with PCN_RULES_JSON naming it.

import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, test} from 'node:test';

import {cardTools, Judge, parseMoment, textTools} from '../../pcn_pwa/static/js/rules.js';

const rulesPath = process.env.PCN_RULES_JSON;
const cases = JSON.parse(readFileSync(new URL('../judge_cases.json', import.meta.url), 'utf8'));

if (!rulesPath) {
  test('the server\'s rules', () => {
    assert.fail('PCN_RULES_JSON is not set: run `pytest tests/test_judge_parity.py`, or set it to a file '
      + 'holding the server\'s client_rules() (the "rules" of /api/v1/reference, in French)');
  });
} else {
  const rules = JSON.parse(readFileSync(rulesPath, 'utf8'));

  describe('the same verdicts as the server', () => {
    for (const item of cases) {
      test(item.name, () => {
        const now = Date.parse(item.now);
        assert.ok(Number.isFinite(now), `now: ${item.now}`);
        const {valid, errors} = new Judge(rules, () => now).judge(item.data);
        assert.deepStrictEqual({valid, errors}, {valid: item.valid, errors: item.errors});
      });
    }
  });

  test('rules of an older server, without the text lists, leave the record to the server', () => {
    const {text, ...older} = rules;
    assert.ok(text);
    assert.deepStrictEqual(new Judge(older).judge({}), {valid: true, errors: {}});
  });

  describe('parseMoment', () => {
    test('reads every offset form as the same instant', () => {
      const instant = Date.parse('2026-03-01T22:41:00Z');
      for (const text of ['2026-03-02T09:41:00+11:00', '2026-03-02T09:41:00+1100', '2026-03-02T09:41+11',
        '2026-03-01T08:41:00-14:00', '2026-03-01 22:41:00Z', '2026-03-01T22:41:00-00:00']) {
        assert.equal(parseMoment(text), instant, text);
      }
    });

    test('reads years 0001 to 0099 as themselves, not as 1900 to 1999', () => {
      assert.equal(parseMoment('0099-06-01T00:00:00Z'), Date.parse('0099-06-01T00:00:00Z'));
      assert.equal(new Date(parseMoment('0001-01-01T10:00:00+11:00')).toISOString(), '0000-12-31T23:00:00.000Z');
    });

    test('keeps microseconds as the fraction of a millisecond', () => {
      const second = Date.parse('2026-03-03T00:00:00Z');
      assert.equal(parseMoment('2026-03-03T00:00:00.5Z'), second + 500);
      assert.equal(parseMoment('2026-03-03T00:00:00,123Z'), second + 123);
      const micro = parseMoment('2026-03-03T00:00:00.000001Z') - second;
      assert.ok(micro > 0 && micro < 0.002, String(micro));
    });

    test('says what is wrong, as the server does', () => {
      for (const text of ['2026-03-02', '2026-02-30', '2026-03-02T09:41:00', '2026-03-02T09:41']) {
        assert.throws(() => parseMoment(text), {message: 'timezone'}, text);
      }
      for (const text of ['0000-01-01T00:00:00Z', '0000-01-01T00:00:00', '2026-02-29T10:00Z', '2026-03-01T24:00Z',
        '2026-03-02T09:41:00+24:00', '2026-03-02T09:41:00+11:60', '2026-03-02T09:41:00.1234567Z',
        '2026-03-02t09:41Z', '2026-03-02T09:41z', ' 2026-03-02T09:41Z', 'hier', '']) {
        assert.throws(() => parseMoment(text), {message: 'datetime'}, text);
      }
    });
  });

  describe('cardTools', () => {
    const card = cardTools(rules.card);

    test('normalises as the server: its blanks and dashes, upper case, lookalikes', () => {
      assert.equal(card.normalise('k7m4-qxpc'), 'K7M4QXPC');
      assert.equal(card.normalise('\u3000IOK4\u00a0mo-px\ufeff'), '10K4M0PX');
      assert.equal(card.normalise('K7M4\fQXPC'), 'K7M4\fQXPC'); // JavaScript's \s, not a separator
      assert.equal(card.normalise('K7M4\u2010QXPC'), 'K7M4\u2010QXPC');
    });

    test('checks the check character', () => {
      assert.equal(card.check('K7M4QXP'), 'C');
      assert.ok(card.isValid('K7M4QXPC'));
      assert.ok(!card.isValid('K7M4QXPD'));
      assert.ok(!card.isValid('K7M4QPXC'));
      assert.ok(!card.isValid('K7M4QXP'));
    });

    test('makes valid new codes', () => {
      for (let i = 0; i < 200; i += 1) {
        const code = card.newCode();
        assert.equal(code.length, rules.card.length);
        assert.ok(card.isValid(code), code);
      }
    });
  });

  describe('textTools', () => {
    const text = textTools(rules.text);

    test('trims the server\'s spaces only', () => {
      assert.equal(text.trim('\u00a0\ufeff\u3000 x \t\r\n\u2028'), 'x');
      for (const kept of ['\v', '\f', '\x1c', '\x85', '\u200b']) assert.equal(text.trim(`${kept}x${kept}`), `${kept}x${kept}`);
    });

    test('cleans as the server: NFC, line ends, trimmed, empty is absent', () => {
      assert.equal(text.clean(' Cafe\u0301\r\nfin\r'), 'Café\nfin');
      assert.equal(text.clean('\u3000\n'), null);
    });

    test('finds control characters and lone surrogates, not pairs', () => {
      for (const bad of ['\x00', '\x1f', '\x7f', '\x9f', '\ud800', '\udfff', '\ude00\ud83d']) assert.ok(text.isForbidden(`a${bad}b`));
      for (const good of ['\t', '\n', '\u00a0', '\u2028', '\ud83d\ude00', 'é']) assert.ok(!text.isForbidden(`a${good}b`));
    });

    test('echoes at most 40 characters, invisible ones replaced', () => {
      assert.equal(text.echo('A\x00\ud800'), 'A\ufffd\ufffd');
      assert.equal(text.echo('\u{1F600}'.repeat(40)), '\u{1F600}'.repeat(40));
      assert.equal(text.echo('\u{1F600}'.repeat(41)), `${'\u{1F600}'.repeat(40)}…`);
    });
  });
}
