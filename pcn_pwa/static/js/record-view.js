// A record in words on the tablet, as the server's pages write it (accompaniments/display.py):
// field names and labels from the device's reference data, in the user's language, moments in
// Nouméa time. Used by the offline pages and by the side-by-side view of a conflict.

import {formatWhen} from './app.js';
import {t} from './strings.js';

/** The words of the reference data: a field's name and the label of each code. */
export function vocabulary(reference) {
  const of = (list) => new Map((Array.isArray(list) ? list : [])
    .filter((item) => item && typeof item === 'object').map((item) => [item.code, item.label ?? item.name]));
  const choices = reference?.choices || {};
  const lists = {
    agency: of(reference?.agencies),
    partners: of(reference?.partners),
    procedures: of(reference?.procedures),
    topics: of(reference?.topics),
    redirected_to: new Map([...of(choices.redirect_places), ...of(reference?.partners)]),
  };
  Object.entries(choices).forEach(([path, list]) => { if (!lists[path]) lists[path] = of(list); });
  // A copy from before the fields were sent: their paths will do until the next refresh.
  const fields = Array.isArray(reference?.fields) ? reference.fields : [];
  return {
    fields: fields.length ? fields : null,
    label: (path, code) => lists[path]?.get(code) ?? String(code),
    has: (path) => path in lists,
  };
}

export const cardDisplay = (code) => `${code.slice(0, 4)}-${code.slice(4)}`;

export function valueOf(data, path) {
  let node = data;
  for (const part of path.split('.')) node = node && typeof node === 'object' ? node[part] : undefined;
  return node;
}

/** A field's value in words ('' when absent). */
export function showValue(path, value, words) {
  if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return '';
  if (Array.isArray(value)) return value.map((code) => words.label(path, code)).join(', ');
  if (path === 'occurred_at') return Number.isFinite(Date.parse(value)) ? formatWhen(value) : String(value);
  if (path === 'duration_minutes') return t('minutes', {num: value});
  if (path === 'beneficiary.returning') return value ? t('returning') : t('first_visit');
  if (path === 'beneficiary.card') return cardDisplay(String(value));
  if (words.has(path)) return words.label(path, value);
  return String(value);
}

function paths(words, ...records) {
  if (words.fields) return words.fields.map((field) => [field.code, field.label, field.kinds]);
  const found = new Set();
  records.forEach((data) => Object.entries(data || {}).forEach(([key, value]) => {
    if (value && typeof value === 'object' && !Array.isArray(value)) Object.keys(value).forEach((k) => found.add(`${key}.${k}`));
    else found.add(key);
  }));
  return [...found].map((path) => [path, path]);
}

/** ``[{path, label, value}]`` for each field of a record that has a value, but those its kind's
 *  form never asks (accompaniments/display.py describe). */
export function describe(data, words) {
  // A copy of the reference from before the kinds were sent shows every field, as it did.
  const known = new Set((words.fields || []).flatMap((field) => (Array.isArray(field.kinds) ? field.kinds : [])));
  const asked = (kinds) => !Array.isArray(kinds) || !known.has(data.kind) || kinds.includes(data.kind);
  return paths(words, data).filter(([, , kinds]) => asked(kinds))
    .map(([path, label]) => ({path, label, value: showValue(path, valueOf(data, path), words)}))
    .filter((row) => row.value);
}

/** Both versions side by side: ``[{path, label, mine, theirs, differs}]`` for every field either has. */
export function compare(mine, theirs, words) {
  return paths(words, mine, theirs).map(([path, label]) => {
    const left = showValue(path, valueOf(mine, path), words);
    const right = showValue(path, valueOf(theirs, path), words);
    return {path, label, mine: left, theirs: right, differs: left !== right};
  }).filter((row) => row.mine || row.theirs);
}

/** What a record is about, in a few words: its kind, then its procedures, topics or workshop. */
export function summary(data, words) {
  const detail = data.procedures?.length ? showValue('procedures', data.procedures, words)
    : data.topics?.length ? showValue('topics', data.topics, words) : (data.workshop_title || '');
  return [words.label('kind', data.kind), detail].filter(Boolean).join(' · ');
}

/** One line of a record list, like the server's (records/_macros.html). */
export function recordLine(record, words, {href = `/accompagnements/${record.id}`, badge = null, meta = true} = {}) {
  const data = record.data || {};
  const item = document.createElement('li');
  item.dataset.id = record.id;
  const link = document.createElement('a');
  link.href = href;
  const when = document.createElement('span');
  when.className = 'when';
  when.textContent = Number.isFinite(Date.parse(data.occurred_at)) ? formatWhen(data.occurred_at) : '';
  const what = document.createElement('span');
  what.className = 'what';
  what.textContent = summary(data, words);
  link.append(when, what);
  if (data.autonomy) {
    const autonomy = document.createElement('span');
    autonomy.className = `autonomy autonomy-${data.autonomy}`;
    autonomy.textContent = words.label('autonomy', data.autonomy);
    link.append(autonomy);
  }
  if (badge) {
    const mark = document.createElement('span');
    mark.className = 'badge';
    mark.textContent = badge;
    link.append(mark);
  }
  item.append(link);
  if (meta && data.agency) {
    const line = document.createElement('span');
    line.className = 'meta';
    line.textContent = words.label('agency', data.agency);
    item.append(line);
  }
  return item;
}

/** The side-by-side table of a conflict, as the online edit shows it (records/form.html). */
export function compareTable(mine, theirs, words) {
  const table = document.createElement('table');
  table.className = 'compare';
  const head = table.createTHead().insertRow();
  [t('field'), t('mine'), t('theirs')].forEach((text) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = text;
    head.append(th);
  });
  const body = table.createTBody();
  compare(mine, theirs, words).forEach((row) => {
    const tr = body.insertRow();
    tr.dataset.field = row.path;
    if (row.differs) tr.className = 'differs';
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = row.label;
    tr.append(th);
    [row.mine, row.theirs].forEach((text) => { tr.insertCell().textContent = text; });
  });
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.append(table);
  return wrap;
}
