// The record judge on the tablet: the same rules as the server's (records/validation.py),
// received as data from /api/v1/reference, so a record is checked before it is queued.
// The server judges again on arrival; a test runs the same cases through both.

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MOMENT_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function format(template, params) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(params[name]));
}

export function wholeNumber(value) {
  return typeof value === 'number' && Number.isInteger(value) ? value : null;
}

/** ISO 8601 with an offset, as Python's fromisoformat reads it; throws 'timezone' or 'datetime'. */
export function parseMoment(text) {
  if (DAY_RE.test(text)) throw new Error('timezone');
  const m = MOMENT_RE.exec(text);
  if (!m) throw new Error('datetime');
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const probe = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
  if (probe.getUTCMonth() !== +mo - 1 || probe.getUTCDate() !== +d || +h > 23 || +mi > 59 || +s > 59) {
    throw new Error('datetime');
  }
  if (!zone) throw new Error('timezone');
  let offset = 0;
  if (zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offset = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || 0));
  }
  return probe.getTime() + Number(`0.${frac}`) * 1000 - offset * 60000;
}

// Follow-up card codes: Crockford base 32 and a Luhn mod 32 check character (records/cards.py).
export function cardTools(card) {
  const base = card.alphabet.length;
  const check = (data) => {
    let total = 0; let factor = 2;
    for (const char of [...data].reverse()) {
      const addend = factor * card.alphabet.indexOf(char);
      total += Math.floor(addend / base) + (addend % base);
      factor = factor === 2 ? 1 : 2;
    }
    return card.alphabet[(base - (total % base)) % base];
  };
  const normalise = (text) => [...text.replace(/[\s-]/g, '').toUpperCase()]
    .map((char) => card.lookalikes[char] || char).join('');
  const isValid = (code) => code.length === card.length && [...code].every((c) => card.alphabet.includes(c))
    && check(code.slice(0, -1)) === code.slice(-1);
  const newCode = () => {
    const random = crypto.getRandomValues(new Uint32Array(card.length - 1));
    const data = Array.from(random, (n) => card.alphabet[n % base]).join('');
    return data + check(data);
  };
  return {check, normalise, isValid, newCode};
}

export class Judge {
  /** ``rules`` is the ``rules`` object of /api/v1/reference. */
  constructor(rules, now = () => Date.now()) {
    this.rules = rules;
    this.now = now;
    this.lists = Object.fromEntries(Object.entries(rules.lists).map(([name, codes]) => [name, new Set(codes)]));
    this.card = cardTools(rules.card);
  }

  /** ``{valid, errors}``: errors maps each field path to its messages, as the server's. */
  judge(data) {
    const errors = {};
    const fail = (path, code, params = {}) => {
      (errors[path] = errors[path] || []).push(format(this.rules.messages[code], params));
    };
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      fail('data', 'object');
      return {valid: false, errors};
    }
    let source = data;
    const beneficiary = data.beneficiary;
    if (beneficiary !== undefined && beneficiary !== null
        && (typeof beneficiary !== 'object' || Array.isArray(beneficiary))) {
      fail('beneficiary', 'object');
      source = {...data, beneficiary: {}};
    }
    const clean = {};
    for (const [path, rule] of Object.entries(this.rules.fields)) {
      clean[path] = this.checkField(source, path, rule, fail);
    }
    this.checkCross(clean, errors, fail);
    return {valid: Object.keys(errors).length === 0, errors};
  }

  checkField(data, path, rule, fail) {
    const value = path.split('.').reduce((node, part) => (node && typeof node === 'object' ? node[part] : undefined), data);
    const blank = typeof value === 'string' && !value.trim() && rule.type !== 'codes';
    if (value === undefined || value === null || blank) {
      if (rule.required) fail(path, 'required');
      return rule.default !== undefined ? rule.default : (rule.type === 'codes' ? [] : null);
    }
    const allowed = this.lists[rule.choices];
    switch (rule.type) {
      case 'code':
        if (typeof value !== 'string') { fail(path, 'code'); return rule.default ?? null; }
        if (!allowed.has(value.trim())) { fail(path, 'choice', {value: value.trim()}); return rule.default ?? null; }
        return value.trim();
      case 'codes': {
        if (!Array.isArray(value)) { fail(path, 'list'); return []; }
        const result = [];
        value.forEach((item) => {
          if (typeof item !== 'string') fail(path, 'code');
          else if (!allowed.has(item)) fail(path, 'choice', {value: item});
          else if (!result.includes(item)) result.push(item);
        });
        return result;
      }
      case 'integer': {
        const number = wholeNumber(value);
        if (number === null) { fail(path, 'integer'); return null; }
        if (number < rule.min || number > rule.max) fail(path, 'range', {min: rule.min, max: rule.max});
        return number;
      }
      case 'text': {
        if (typeof value !== 'string') { fail(path, 'code'); return null; }
        const text = value.normalize('NFC').trim();
        if (text && [...text].length > rule.max_length) fail(path, 'too_long', {max: rule.max_length});
        return text || null;
      }
      case 'boolean':
        if (typeof value !== 'boolean') { fail(path, 'boolean'); return null; }
        return value;
      case 'datetime': {
        if (typeof value !== 'string') { fail(path, 'datetime'); return null; }
        let moment;
        try { moment = parseMoment(value.trim()); } catch (error) { fail(path, error.message); return null; }
        if (moment - this.now() > rule.max_future_seconds * 1000) fail(path, 'future');
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

  checkCross(clean, errors, fail) {
    const cross = this.rules.cross;
    const kind = clean.kind;
    (cross.required_by_kind[kind] || []).forEach((name) => {
      if (clean[name] === null && !errors[name]) fail(name, 'required_for_kind');
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
  }
}
