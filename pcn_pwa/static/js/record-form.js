// The accompaniment form, enhanced: show only what the chosen kind needs, in its order
// (records/forms.py LAYOUT), the rest behind « Ajouter des détails »; the person folded to one
// line until something about them is given; only the procedures of the chosen partners; the
// "other duration" box when asked. On the new-record form the record is checked with the
// server's rules and saved on the tablet first, then synced; the confirmation says what was
// saved, offers « Annuler » for 10 s and « Un autre comme celui-ci ».
// Without this script the whole form shows and posts to the server, which judges it.

import {askPersistentStorage, formatWhen, outbox, recordCopy, requestBackgroundSync, syncClient, unsaved, username}
  from './app.js';
import {cachedReference, refreshReference} from './reference.js';
import {cardTools, Judge} from './rules.js';
import {t} from './strings.js';

const form = document.getElementById('record-form');

function checkedValue(name) {
  const input = form.querySelector(`input[name="${name}"]:checked`);
  return input ? input.value : (form.elements[name]?.value ?? '');
}

function checkedValues(name) {
  return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (input) => input.value);
}

// --- what the chosen kind shows ----------------------------------------------------------

const LAYOUT = form ? JSON.parse(form.dataset.layout || '{}') : {};
const sections = form ? form.querySelector('.form-sections') : null;
const detailsToggle = form?.querySelector('.details-toggle');
const person = form?.querySelector('[data-section="person"]');
let shownKind = null;
let detailsOpen = false;

const section = (name) => sections.querySelector(`[data-section="${name}"]`);
// A kind's sections: shown at once, behind « Ajouter des détails », after them (forms.py page_layout).
const parts = (kind) => (LAYOUT[kind] || LAYOUT['']).split('|').map((part) => part.split(' ').filter(Boolean));

/** The sections of ``kind`` in its order, the toggle before its details; the others hidden. */
function arrange(kind) {
  const [main, details, end] = parts(kind);
  if (kind !== shownKind) {
    // Moved, not only shown: the keyboard goes through them in the order they are seen.
    [...main, ...details, ...end].forEach((name) => sections.append(section(name)));
    sections.insertBefore(detailsToggle, details.length ? section(details[0]) : null);
    shownKind = kind;
  }
  const shown = [...main, ...(detailsOpen ? details : []), ...end];
  sections.querySelectorAll(':scope > [data-section]').forEach((node) => {
    node.hidden = !shown.includes(node.dataset.section);
  });
  detailsToggle.hidden = !details.length;
  detailsToggle.ariaExpanded = detailsOpen;
}

function update() {
  const kind = checkedValue('kind');
  arrange(kind);
  form.querySelectorAll('[data-kinds]:not([data-section])').forEach((block) => {
    block.hidden = !block.dataset.kinds.split(' ').includes(kind);
  });
  form.querySelectorAll('[data-show-when]').forEach((block) => {
    const [name, wanted] = block.dataset.showWhen.split('=');
    block.hidden = checkedValue(name) !== wanted;
  });
  const partners = checkedValues('partners');
  form.querySelectorAll('.procedure-group').forEach((group) => {
    // A procedure already ticked stays visible so it is never lost silently.
    group.hidden = !partners.includes(group.dataset.partner) && !group.querySelector('input:checked');
  });
}

// --- the form as the contract's data (mirror of records/forms.py to_data) -----------------

const accentFree = (text) => text.trim().toLowerCase().normalize('NFD').replace(/\p{M}/gu, '');

function number(text) {
  const value = (text || '').trim();
  if (!value) return null;
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

// Nouméa's clock (UTC+11 all year, no daylight saving time) as an ISO string without offset.
const noumeaNow = () => new Date(Date.now() + 11 * 3600 * 1000).toISOString();

/** The moment typed, with Nouméa's offset; an empty date is today and an empty time now
 *  (records/forms.py occurred_at); null when what was typed cannot be read. */
function occurredAt() {
  const now = noumeaNow();
  const day = form.elements.occurred_date.value.trim() || now.slice(0, 10);
  const clock = form.elements.occurred_time.value.trim() || now.slice(11, 16);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !/^\d{2}:\d{2}$/.test(clock)) return null;
  return `${day}T${clock}:00+11:00`;
}

function communeCode() {
  const typed = form.elements.commune.value.trim();
  if (!typed) return null;
  const option = Array.from(document.querySelectorAll('#communes option'))
    .find((o) => accentFree(o.value) === accentFree(typed) || o.dataset.code === typed);
  return option ? option.dataset.code : typed;
}

// The fields the form asks for through its widget, from the table of fields
// (accompaniments/fields.py, via records/forms.py client_mapping): path, name, type, widget and
// the value an absent field gets. The others are mapped by hand, here as on the server.
const MAPPING = form ? JSON.parse(form.dataset.fields || '{"fields": [], "error_fields": {}}') : null;

/** One value of the form as the contract has it (the server's AccompanimentForm._typed). */
function contractValue(field) {
  if (field.type === 'codes') return checkedValues(field.name);
  const text = checkedValue(field.name);
  if (field.type === 'text') return text;
  if (field.type === 'integer') return number(text); // blank stays absent, as on the server
  return text || field.empty;
}

const valueAt = (data, path) => path.split('.').reduce((node, part) => node?.[part], data);

function put(data, path, value) {
  const parts = path.split('.');
  const leaf = parts.pop();
  const parent = parts.reduce((node, part) => (node[part] = node[part] || {}), data);
  parent[leaf] = value;
}

function formData(quickTopic) {
  const data = {};
  MAPPING.fields.forEach((field) => put(data, field.path, contractValue(field)));
  const duration = checkedValue('duration');
  const returning = {first: false, returning: true}[checkedValue('returning')];
  data.agency = form.elements.agency ? form.elements.agency.value : form.dataset.agency;
  data.occurred_at = occurredAt();
  data.duration_minutes = number(duration === 'other' ? form.elements.duration_other.value : duration);
  if (quickTopic) {  // one tap on a topic: a quick question unless another kind was chosen
    data.kind = data.kind || 'quick_help';
    if (!data.topics.includes(quickTopic)) data.topics.push(quickTopic);
  }
  data.beneficiary.commune = communeCode();
  data.beneficiary.returning = returning === undefined ? null : returning;
  return data;
}

// Where a message about a contract field is shown (records/forms.py error_field).
const fieldName = (path) => MAPPING.error_fields[path] || path.split('.').pop();

function clearErrors() {
  form.querySelectorAll('.js-errors').forEach((node) => node.remove());
  form.querySelectorAll('.field-invalid').forEach((node) => node.classList.remove('field-invalid'));
  form.querySelectorAll('[data-described]').forEach((node) => {
    if (node.dataset.described) node.setAttribute('aria-describedby', node.dataset.described);
    else node.removeAttribute('aria-describedby');
    delete node.dataset.described;
    node.removeAttribute('aria-invalid');
  });
}

function showErrors(errors) {
  clearErrors();
  const summary = document.createElement('p');
  summary.className = 'form-errors js-errors';
  summary.setAttribute('role', 'alert');
  summary.textContent = t('not_saved_fix');
  form.prepend(summary);
  for (const [path, messages] of Object.entries(errors)) {
    const name = fieldName(path);
    const control = form.querySelector(`#${CSS.escape(name)}`);
    const target = control?.closest('.field, fieldset') || summary;
    target.classList.add('field-invalid');
    const list = document.createElement('ul');
    list.className = 'errors js-errors';
    list.id = `${name}-errors`;
    // Read out with its field (the input, or the group of choices), as the server's page does.
    if (control) {
      control.dataset.described ??= control.getAttribute('aria-describedby') || '';
      control.setAttribute('aria-describedby', `${control.dataset.described} ${list.id}`.trim());
      if (control.tagName !== 'FIELDSET') control.setAttribute('aria-invalid', 'true');  // a group takes none
    }
    messages.forEach((message) => {
      const item = document.createElement('li');
      item.textContent = message;
      list.append(item);
    });
    target.append(list);
    // A message in a folded part unfolds it: nothing wrong stays out of sight.
    const folded = target.closest('[data-section]');
    if (folded?.hidden) detailsOpen = true;
    if (person?.contains(target)) person.open = true;
  }
  update();
  summary.scrollIntoView({block: 'center'});
}

// --- after a save: what was saved, « Annuler » for 10 s, « Un autre comme celui-ci » -------

const UNDO_MS = 10000;
let undoTimer = null;

const labelOf = (name, value) => form.querySelector(`input[name="${name}"][value="${value}"]`)?.labels[0].textContent.trim() || value;

/** The saved record in a few words: its kind, its partners (else its topics), its moment. */
function savedWords(data) {
  const what = data.partners.length ? data.partners.map((code) => labelOf('partners', code))
    : data.topics.map((code) => labelOf('topics', code));
  return [labelOf('kind', data.kind), what.join(', '), formatWhen(data.occurred_at)].filter(Boolean).join(' · ');
}

function confirmSaved(saved, card) {
  document.getElementById('saved-note')?.remove();
  clearTimeout(undoTimer);
  const note = document.getElementById('saved-template').content.firstElementChild.cloneNode(true);
  note.classList.add('saved-note-fresh');
  note.querySelector('.saved-what').textContent = savedWords(saved.data);
  if (card) {
    const link = document.createElement('a');
    link.href = `/accompagnements/carte/#${card}`;
    link.textContent = ` ${t('card_given', {code: `${card.slice(0, 4)}-${card.slice(4)}`})}`;
    note.querySelector('[role=status]').append(link);
  }
  const undoButton = note.querySelector('[data-action=undo]');
  undoButton.addEventListener('click', () => undo(saved, note));
  note.querySelector('[data-action=again]').addEventListener('click', (event) => {
    again(saved.data);
    event.currentTarget.remove();
  });
  form.after(note);
  // After 10 s the record is kept for good (a manager can still delete it from its page), and
  // the note leaves the bottom of the screen for its place under the form.
  undoTimer = setTimeout(() => {
    undoButton.remove();
    note.classList.remove('saved-note-fresh');
  }, UNDO_MS);
}

/** « Annuler »: the record leaves the outbox, or a delete follows it if it may have been sent;
 *  what was chosen comes back in the form, to correct or to leave. Under the sync's lock, so
 *  that no push of this record is on its way meanwhile. */
async function undo(saved, note) {
  clearTimeout(undoTimer);
  note.querySelector('.saved-actions').remove();
  const outcome = await (navigator.locks ? navigator.locks.request(`pcn-sync-${username}`, () => withdraw(saved.id))
    : withdraw(saved.id));
  note.classList.replace('saved-note-fresh', 'undone');
  fill(saved.data);
  if (outcome === 'delete') {
    requestBackgroundSync();
    syncClient.run({reset: true});
  }
}

/** Take back a record just saved: one never sent (no push tried) leaves the outbox; one the
 *  server has, or may have (a push tried, its answer lost), gets a delete to push, from the
 *  version it acknowledged. Run under the sync's lock: no push of it is under way meanwhile. */
async function withdraw(id) {
  const record = await outbox.get(id);
  if (!record) return 'gone';
  if (record.state !== 'synced' && !record.base_version && !record.attempts) {
    await outbox.store.delete(id);
    outbox.changed();
    return 'removed';
  }
  await outbox.update([{...record, deleted: true, state: 'pending', updated_at: new Date().toISOString(), errors: null}]);
  return 'delete';
}

/** « Un autre comme celui-ci »: the same kind and partners, at a new moment (now). */
function again(data) {
  resetForm();
  setChecked('kind', [data.kind]);
  setChecked('partners', data.partners);
  update();
  showStart();
}

/** The start of the form in view (not the top of the page), if it was scrolled away. */
function showStart() {
  const start = form.querySelector('#kind');
  if (start && start.getBoundingClientRect().top < 0) start.scrollIntoView({block: 'start', behavior: 'smooth'});
}

/** A blank form for the next record, the kind kept: an advisor often records several alike.
 *  Date and time left empty: the next save takes its own moment. */
function resetForm() {
  const kind = checkedValue('kind');
  form.reset();
  setChecked('kind', [kind]);
  detailsOpen = false;
  if (person) person.open = false;
  update();
}

const asked = new URLSearchParams(window.location.search);
// A record to fix, reopened from the sync page: its data back in the form, same id.
const draftId = asked.get('brouillon');

function setChecked(name, values) {
  form.querySelectorAll(`input[name="${name}"]`).forEach((input) => {
    input.checked = values.includes(input.value);
  });
}

function fill(data) {
  MAPPING.fields.forEach((field) => {
    const value = valueAt(data, field.path);
    const element = form.elements[field.name];
    if (!element) return; // the agency of a one-agency user: no choice on the page
    if (field.type === 'codes') setChecked(field.name, value || []);
    else if (field.widget === 'buttons') setChecked(field.name, [value || field.empty]);
    else element.value = value ?? field.empty ?? '';
  });
  const b = data.beneficiary || {};
  // In Nouméa's clock (UTC+11 all year), whatever offset the record was written with.
  const written = typeof data.occurred_at === 'string' ? data.occurred_at : '';
  const moment = Number.isFinite(Date.parse(written))
    ? new Date(Date.parse(written) + 11 * 3600 * 1000).toISOString() : written;
  form.elements.occurred_date.value = moment.slice(0, 10);
  form.elements.occurred_time.value = moment.slice(11, 16);
  const presets = Array.from(form.querySelectorAll('input[name="duration"]'), (input) => input.value);
  if (presets.includes(String(data.duration_minutes))) setChecked('duration', [String(data.duration_minutes)]);
  else if (data.duration_minutes) { setChecked('duration', ['other']); form.elements.duration_other.value = data.duration_minutes; }
  const commune = Array.from(document.querySelectorAll('#communes option')).find((o) => o.dataset.code === b.commune);
  form.elements.commune.value = commune ? commune.value : (b.commune || '');
  setChecked('returning', [b.returning === true ? 'returning' : b.returning === false ? 'first' : '']);
  // A record filled back shows all of it; the person unfolded if something is said of them
  // (records/forms.py person_given).
  if (person) person.open = [...person.querySelectorAll('input, select')].some((input) => (
    input.labels[0]?.classList.contains('chip') ? input.checked !== input.defaultChecked : input.type !== 'checkbox' && input.value.trim()));
  detailsOpen = true;
  update();
}

// Offline, the service worker opens this form for a record's edit (/accompagnements/<id>/modifier):
// the record comes from the device, and the change goes to the outbox with the version it
// started from (``baseVersion``), so that a change made meanwhile on the server is a conflict.
const EDIT_PATH = /^\/accompagnements\/([0-9a-f-]{36})\/modifier\/?$/i;
const editId = form?.dataset.offline === 'new' ? (window.location.pathname.match(EDIT_PATH)?.[1].toLowerCase() || null) : null;
let baseVersion = 0;

// The id of the record this form is filling: kept until the save is confirmed, so a second
// tap (or a tap after a reload of this draft) writes over the same record, never a new one.
let recordId = draftId || editId || crypto.randomUUID();
let saving = false;

function setBusy(busy) {
  saving = busy;
  form.querySelectorAll('button[type=submit], button:not([type])').forEach((button) => {
    button.toggleAttribute('aria-disabled', busy);
  });
}

// A device that never had the reference data waits a moment for the copy on its way (the
// server's judgement is then shown before the record is queued), never longer.
const FIRST_REFERENCE_WAIT_MS = 400;
const firstReference = () => Promise.race([
  refreshReference(), new Promise((resolve) => { setTimeout(() => resolve(null), FIRST_REFERENCE_WAIT_MS); })]);

// Saving reads only the device (IndexedDB), not the network, which may hang for minutes on an
// island link: the record is on the device, and said so, before any answer comes.
async function saveOnDevice(event) {
  event.preventDefault();
  if (saving) return;
  setBusy(true);
  try {
    const reference = (await cachedReference()) || (await firstReference());
    const data = formData(event.submitter?.name === 'quick_topic' ? event.submitter.value : null);
    let card = null;
    if (form.elements.new_card?.checked) {
      card = cardTools(reference ? reference.rules.card : JSON.parse(form.dataset.cardRules)).newCode();
      data.beneficiary.card = card;
    }
    if (data.occurred_at === null) data.occurred_at = 'invalid'; // the judge says so, in words
    if (reference) {
      const verdict = new Judge(reference.rules).judge(data);
      if (!verdict.valid) { showErrors(verdict.errors); return; }
    }
    clearErrors();
    try {
      await outbox.save(recordId, data, baseVersion);
    } catch (error) {  // storage full or refused: say so, keep what was typed
      showErrors({});
      form.querySelector('.form-errors.js-errors').textContent = t('not_saved_device');
      return;
    }
    if (draftId) { window.location.assign('/synchronisation'); return; }
    if (editId) {  // the record's page shows the version now waiting on the tablet
      unsaved.delete(form);
      await requestBackgroundSync();
      window.location.assign(`/accompagnements/${editId}`);
      return;
    }
    const saved = {id: recordId, data};
    recordId = crypto.randomUUID();
    unsaved.delete(form);
    resetForm();
    confirmSaved(saved, card);
    // The kind stays chosen and the page where it was; the start of the form comes back in
    // view only if it had scrolled away (after « Enregistrer » at the bottom of a long form).
    showStart();
  } finally {
    setBusy(false);
  }
  askPersistentStorage();
  requestBackgroundSync();
  syncClient.run({reset: true});
}

function note(text, kind = 'info') {
  const paragraph = document.createElement('p');
  paragraph.className = `flash flash-${kind}`;
  paragraph.setAttribute('role', 'status');
  paragraph.textContent = text;
  form.before(paragraph);
}

/** The record to edit as the advisor last saw it: their unsent change, else the newer of what
 *  the tablet sent and the agency's copy; and the version that change starts from. */
async function openEdit() {
  const heading = t('edit_title');
  document.querySelector('h1').textContent = heading;
  document.title = `${heading} · PCN`;
  document.querySelector('.form-shortcuts')?.remove();
  form.elements.new_card?.closest('.field')?.remove();
  const [waiting, copied] = await Promise.all([outbox.get(editId), recordCopy.get(editId)]);
  const unsent = waiting && waiting.state !== 'synced' ? waiting : null;
  const sent = waiting && !unsent && (!copied || waiting.base_version > copied.version) ? waiting : null;
  const source = unsent || sent || copied;
  if (!source) {
    form.hidden = true;
    note(t('edit_missing'), 'error');
    return;
  }
  baseVersion = unsent || sent ? source.base_version : source.version;
  note(t('edit_on_device'));
  form.dataset.agency = source.data.agency;
  if (form.elements.agency) form.elements.agency.value = source.data.agency;
  fill(source.data);
  if (unsent?.errors) showErrors(unsent.errors);
}

if (form) {
  // One button per topic for the quick kinds: a tap on one saves.
  form.querySelector('.quick-topics').append(...[...form.querySelectorAll('input[name=topics]')].map((input) => {
    const button = document.createElement('button');
    Object.assign(button, {type: 'submit', name: 'quick_topic', value: input.value, className: 'chip-button',
      textContent: input.labels[0].textContent.trim()});
    return button;
  }));
  detailsToggle.addEventListener('click', () => {
    detailsOpen = !detailsOpen;
    update();
  });
  form.addEventListener('change', update);
  form.addEventListener('input', () => unsaved.add(form));
  // A link may choose the kind (?type=individual: the home page's buttons). The server checks it;
  // offline, the worker serves a copy that never saw the address, so the script does.
  if (!checkedValue('kind')) setChecked('kind', [asked.get('type')]);
  // A record to correct, one taken from the last, one the server sent back: all of it shows.
  detailsOpen = 'unfold' in form.dataset;
  update();
  if (form.dataset.offline === 'new' && outbox) {
    form.addEventListener('submit', saveOnDevice);
    refreshReference();
    if (editId) openEdit();
    if (draftId) {
      outbox.get(draftId).then((record) => {
        if (!record) return;
        fill(record.data);
        if (record.errors) showErrors(record.errors);
      });
    }
  }
}
