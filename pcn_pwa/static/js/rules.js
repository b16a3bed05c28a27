// The record judge on the tablet: the same rules as the server's (accompaniments/judge.py),
// received as data from /api/v1/reference, so a record is checked before it is queued.
// The server judges again on arrival. tests/test_judge_parity.py runs every case of
// tests/judge_cases.json through the server's judge and, with tests/js/judge_parity.test.mjs,
// through this one: same verdicts, same fields, same messages.
//
// JavaScript's own ideas of white space (String.prototype.trim, \s), of a year (Date.UTC reads
// 0–99 as 1900–1999) and of a length (UTF-16 units) are not Python's: this file uses the server's
// lists (rules.text, from accompaniments/text.py) and counts code points, as Python does.

// The one grammar of a moment, the server's MOMENT_RE: date, time to the minute at least, up to
// six decimals of a second, and an offset (Z, ±HH, ±HHMM or ±HH:MM).
const DAY_RE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const MOMENT_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,]([0-9]{1,6}))?)?(Z|([+-])([0-9]{2})(?::?([0-9]{2}))?)?$/;

function format(template, params) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(params[name]));
}

const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);

/** Length in code points, Python's len(): an emoji is one character, not two. */
const length = (text) => [...text].length;

/** ``value`` if JSON says it is a whole number (``30`` or ``30.0``, never ``true``), else null. */
export function wholeNumber(value) {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

/**
 * A moment of the shared grammar, in milliseconds since the epoch (as Date.parse), microseconds
 * as the fraction. Throws Error('timezone') when the offset is missing, Error('datetime') for
 * anything else, in the server's order: an impossible date says 'datetime' even without offset.
 */
export function parseMoment(text) {
  const m = MOMENT_RE.exec(text);
  if (!m) throw new Error(DAY_RE.test(text) ? 'timezone' : 'datetime');
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone, sign, offHours, offMinutes = '0'] = m;
  const date = new Date(0);
  date.setUTCFullYear(+year, +month - 1, +day); // not Date.UTC: year 0099 is 99, not 1999
  if (+year < 1 || date.getUTCFullYear() !== +year || date.getUTCMonth() !== +month - 1
      || date.getUTCDate() !== +day || +hour > 23 || +minute > 59 || +second > 59) {
    throw new Error('datetime');
  }
  if (!zone) throw new Error('timezone');
  let offset = 0;
  if (zone !== 'Z') {
    if (+offHours > 23 || +offMinutes > 59) throw new Error('datetime');
    offset = (sign === '-' ? -1 : 1) * (+offHours * 60 + +offMinutes);
  }
  const minutes = +hour * 60 + +minute - offset;
  // Integers up to here (exact); one rounding for the microseconds, finer than 1 µs until 2248.
  return date.getTime() + (minutes * 60 + +second) * 1000 + Number(fraction.padEnd(6, '0')) / 1000;
}

/** The server's text tools (accompaniments/text.py) built from ``rules.text``. */
export function textTools(text) {
  const spaces = new Set(text.spaces); // all in the BMP: one UTF-16 unit each
  const forbidden = new RegExp(text.forbidden, 'u');
  const everyForbidden = new RegExp(text.forbidden, 'gu');
  /** ``value`` without the white space of the list at either end (Python's str.strip(SPACES)). */
  const trim = (value) => {
    let start = 0;
    let end = value.length;
    while (start < end && spaces.has(value[start])) start += 1;
    while (end > start && spaces.has(value[end - 1])) end -= 1;
    return value.slice(start, end);
  };
  /** NFC-normalised, trimmed text with every line end as \n; empty means absent (null). */
  const clean = (value) => trim(value.normalize('NFC').replace(/\r\n?/g, '\n')) || null;
  /** A refused code as a message may show it: short, and with nothing invisible. */
  const echo = (value) => {
    const shown = [...value.replace(everyForbidden, '\ufffd')];
    return shown.length <= text.echo_length ? shown.join('') : `${shown.slice(0, text.echo_length).join('')}…`;
  };
  return {trim, clean, echo, isForbidden: (value) => forbidden.test(value)};
}

// Follow-up card codes: Crockford base 32 and a Luhn mod 32 check character (accompaniments/cards.py).
export function cardTools(card) {
  const base = card.alphabet.length;
  const separators = new Set(card.separators);
  const check = (data) => {
    let total = 0; let factor = 2;
    for (const char of [...data].reverse()) {
      const addend = factor * card.alphabet.indexOf(char);
      total += Math.floor(addend / base) + (addend % base);
      factor = factor === 2 ? 1 : 2;
    }
    return card.alphabet[(base - (total % base)) % base];
  };
  /** Upper case, without the server's blanks or dashes, lookalike letters read as digits. */
  const normalise = (text) => [...[...text].filter((char) => !separators.has(char)).join('').toUpperCase()]
    .map((char) => (hasOwn(card.lookalikes, char) ? card.lookalikes[char] : char)).join('');
  const isValid = (code) => length(code) === card.length && [...code].every((c) => card.alphabet.includes(c))
    && check(code.slice(0, -1)) === code.slice(-1);
  const newCode = () => {
    const random = crypto.getRandomValues(new Uint32Array(card.length - 1));
    const data = Array.from(random, (n) => card.alphabet[n % base]).join('');
    return data + check(data);
  };
  return {check, normalise, isValid, newCode};
}

/** ``node[key]`` if ``node`` is an object that has it as its own (Python's dict.get). */
const own = (node, key) => (node !== null && typeof node === 'object' && !Array.isArray(node)
  && hasOwn(node, key) ? node[key] : undefined);

export class Judge {
  /** ``rules`` is the ``rules`` object of /api/v1/reference. */
  constructor(rules, now = () => Date.now()) {
    this.rules = rules;
    this.now = now;
    this.lists = Object.fromEntries(Object.entries(rules.lists).map(([name, codes]) => [name, new Set(codes)]));
    this.card = cardTools(rules.card);
    // Rules from a server older than this file (a device offline since an update) lack these.
    this.text = rules.text ? textTools(rules.text) : null;
    this.earliest = Object.fromEntries(Object.entries(rules.fields)
      .filter(([, rule]) => rule.type === 'datetime' && rule.min !== undefined)
      .map(([path, rule]) => [path, parseMoment(rule.min)]));
  }

  /** ``{valid, errors}``: errors maps each field path to its messages, as the server's. */
  judge(data) {
    const errors = {};
    // Outdated rules would misjudge: the record is left to the server, as with no rules at all.
    if (!this.text) return {valid: true, errors};
    const fail = (path, code, params = {}) => {
      (errors[path] = errors[path] || []).push(format(this.rules.messages[code], params));
    };
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      fail('data', 'object');
      return {valid: false, errors};
    }
    const beneficiary = own(data, 'beneficiary');
    if (beneficiary !== undefined && beneficiary !== null
        && (typeof beneficiary !== 'object' || Array.isArray(beneficiary))) {
      fail('beneficiary', 'object');
    }
    const clean = {};
    const absent = new Set(); // the fields the record did not give (defaults filled in)
    for (const [path, rule] of Object.entries(this.rules.fields)) {
      clean[path] = this.checkField(data, path, rule, fail, absent);
    }
    this.checkCross(clean, errors, fail, absent);
    return {valid: Object.keys(errors).length === 0, errors};
  }

  checkField(data, path, rule, fail, absent) {
    const value = path.split('.').reduce(own, data);
    const blank = typeof value === 'string' && rule.type !== 'codes' && !this.text.trim(value);
    if (value === undefined || value === null || blank) {
      if (rule.required) fail(path, 'required');
      absent.add(path);
      return rule.default !== undefined ? rule.default : (rule.type === 'codes' ? [] : null);
    }
    const allowed = this.lists[rule.choices];
    switch (rule.type) {
      case 'code': {
        if (typeof value !== 'string') { fail(path, 'code'); return rule.default ?? null; }
        const code = this.text.trim(value);
        if (!allowed.has(code)) { fail(path, 'choice', {value: this.text.echo(code)}); return rule.default ?? null; }
        return code;
      }
      case 'codes': {
        if (!Array.isArray(value)) { fail(path, 'list'); return []; }
        const result = [];
        value.forEach((item) => { // not trimmed: the server does not trim them either
          if (typeof item !== 'string') fail(path, 'code');
          else if (!allowed.has(item)) fail(path, 'choice', {value: this.text.echo(item)});
          else if (!result.includes(item)) result.push(item);
        });
        return result;
      }
      case 'integer': {
        const number = wholeNumber(value);
        if (number === null) { fail(path, 'integer'); return null; }
        if (number < rule.min && rule.min_message) fail(path, rule.min_message);
        else if (number < rule.min || number > rule.max) fail(path, 'range', {min: rule.min, max: rule.max});
        return number;
      }
      case 'text': {
        if (typeof value !== 'string') { fail(path, 'text'); return null; }
        const text = this.text.clean(value);
        if (text && this.text.isForbidden(text)) fail(path, 'control');
        if (text && length(text) > rule.max_length) fail(path, 'too_long', {max: rule.max_length});
        return text;
      }
      case 'boolean':
        if (typeof value !== 'boolean') { fail(path, 'boolean'); return null; }
        return value;
      case 'datetime': {
        if (typeof value !== 'string') { fail(path, 'datetime'); return null; }
        let moment;
        try { moment = parseMoment(this.text.trim(value)); } catch (error) { fail(path, error.message); return null; }
        if (hasOwn(this.earliest, path) && moment < this.earliest[path]) { fail(path, 'past'); return null; }
        if (moment - this.now() > rule.max_future_seconds * 1000) { fail(path, 'future'); return null; }
        return moment;
      }
      case 'card': {
        if (typeof value !== 'string') { fail(path, 'card'); return null; }
        const code = this.card.normalise(value);
        if (!code) return null;
        if (!this.card.isValid(code)) fail(path, 'card');
        return code;
      }
      default:
        return value;
    }
  }

  checkCross(clean, errors, fail, absent) {
    const cross = this.rules.cross;
    const kind = clean.kind;
    (cross.required_by_kind[kind] || []).forEach((name) => {
      if ((clean[name] === null || absent.has(name)) && !errors[name]) fail(name, 'required_for_kind');
    });
    const bounds = cross.participants_by_kind[kind];
    const participants = clean.participants;
    if (bounds && Number.isInteger(participants) && (participants < bounds.min || participants > bounds.max)) {
      fail('participants', 'individual_one');
    }
    Object.entries(cross.only_for_kind).forEach(([name, onlyKind]) => {
      if (kind !== onlyKind) { clean[name] = null; delete errors[name]; }
    });
    const [first, second] = cross.topic_or_procedure;
    if (!(clean[first] || []).length && !(clean[second] || []).length && !errors[first] && !errors[second]) {
      fail(first, 'topic_or_procedure');
    }
    const partners = new Set(clean.partners || []);
    const partnerOf = this.rules.procedure_partners || {};
    (clean.procedures || []).forEach((code) => {
      if (!partners.has(partnerOf[code])) fail('procedures', 'procedure_partner', {value: code});
    });
    Object.entries(cross.required_when).forEach(([name, condition]) => {
      const applies = Object.entries(condition).every(([other, wanted]) => clean[other] === wanted);
      if (!applies) { clean[name] = null; delete errors[name]; }
      else if (clean[name] === null && !errors[name]) fail(name, 'required_redirected');
    });
    // Rules from an older server have no closed agencies.
    if (cross.open_agency && (this.rules.closed_agencies || []).includes(clean.agency)) {
      fail('agency', 'agency_closed', {value: clean.agency});
    }
  }
}
