// The offline pages of the records, rendered from the tablet's copy (record-copy.js) and its
// outbox: the service worker shows this one page (records/on_device.html) under the address the
// advisor opened — the list, a record's page, a card's history — when the server cannot answer.
// A record still waiting in the outbox is shown as the advisor last saved it.

import {formatDay, formatWhen, outbox, recordCopy} from './app.js';
import {cachedReference, refreshReference} from './reference.js';
import {cardDisplay, describe, recordLine, vocabulary} from './record-view.js';
import {cardTools} from './rules.js';
import {t} from './strings.js';
import {UNSENT} from './outbox.js';
import './record-list.js';

const PAGE_SIZE = 50;
const path = window.location.pathname;
const RECORD = /^\/accompagnements\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;
const CARD = /^\/accompagnements\/suivi\/([^/]+)\/?$/;

const show = (id) => {
  document.querySelectorAll('[data-view], #device-missing').forEach((node) => { node.hidden = node.id !== id; });
  return document.getElementById(id);
};

/** The records as the advisor sees them: the copy, with each unsent change of the outbox over it. */
async function records() {
  const [copy, unsent] = await Promise.all([recordCopy.all(), outbox.inState(...UNSENT)]);
  const mine = new Map(unsent.map((record) => [record.id, record]));
  return {copy: copy.map((record) => (mine.has(record.id) ? {...record, data: mine.get(record.id).data, unsent: true} : record)),
    unsent: mine};
}

let shown = PAGE_SIZE;

async function renderList(words) {
  const view = show('device-list');
  const {copy} = await records();
  // Records waiting on the tablet are also at the top (record-list.js); new ones only there.
  const list = copy;
  view.querySelector('#device-records').replaceChildren(...list.slice(0, shown).map((record) =>
    recordLine(record, words, {badge: record.unsent ? t('waiting_badge') : null})));
  view.querySelector('#device-empty').hidden = list.length > 0;
  const more = view.querySelector('#device-more');
  more.hidden = list.length <= shown;
  more.onclick = () => { shown += PAGE_SIZE; renderList(words); };
}

async function renderRecord(id, words) {
  const [copied, waiting] = await Promise.all([recordCopy.get(id), outbox.get(id)]);
  const unsent = waiting && UNSENT.includes(waiting.state) ? waiting : null;
  const data = unsent?.data || copied?.data || waiting?.data;
  if (!data) { show('device-missing'); return; }
  const view = show('device-record');
  const title = `${words.label('kind', data.kind)} — ${Number.isFinite(Date.parse(data.occurred_at)) ? formatWhen(data.occurred_at) : ''}`;
  view.querySelector('h1').textContent = title;
  document.title = `${title} · PCN`;
  view.querySelector('.device-unsent').hidden = !unsent;
  view.querySelector('dl').replaceChildren(...describe(data, words).flatMap(({label, value}) => {
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    return [dt, dd];
  }));
  const card = data.beneficiary?.card;
  const cardLink = view.querySelector('.device-card-link');
  cardLink.hidden = !card;
  if (card) cardLink.querySelector('a').href = `/accompagnements/suivi/${card}`;
  view.querySelector('.device-edit').href = `/accompagnements/${id}/modifier`;
}

async function renderCard(typed, words, reference) {
  const view = show('device-card');
  const tools = reference?.rules?.card ? cardTools(reference.rules.card) : null;
  const code = tools ? tools.normalise(decodeURIComponent(typed)) : decodeURIComponent(typed);
  const heading = t('card_history', {code: cardDisplay(code)});
  view.querySelector('h1').textContent = heading;
  document.title = `${heading} · PCN`;
  const {copy, unsent} = await records();
  const visits = new Map(copy.filter((record) => record.data.beneficiary?.card === code).map((r) => [r.id, r]));
  unsent.forEach((record, id) => {
    if (!visits.has(id) && record.data?.beneficiary?.card === code) visits.set(id, {...record, unsent: true});
  });
  const ordered = [...visits.values()].filter((record) => Number.isFinite(Date.parse(record.data.occurred_at)))
    .sort((a, b) => Date.parse(a.data.occurred_at) - Date.parse(b.data.occurred_at));
  view.querySelector('.device-visits').hidden = !ordered.length;
  view.querySelector('.device-no-visit').hidden = ordered.length > 0;
  view.querySelector('.autonomy-track').replaceChildren(...ordered.filter((r) => r.data.autonomy).map((record) => {
    const item = document.createElement('li');
    item.className = `autonomy-${record.data.autonomy}`;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = formatDay(record.data.occurred_at);
    const label = document.createElement('span');
    label.textContent = words.label('autonomy', record.data.autonomy);
    item.append(when, ' ', label);
    return item;
  }));
  view.querySelector('.device-visit-count').textContent = t('visits', {num: ordered.length});
  view.querySelector('.record-list').replaceChildren(...ordered.reverse().map((record) =>
    recordLine(record, words, {badge: record.unsent ? t('waiting_badge') : null})));
}

async function render() {
  const reference = await cachedReference();
  const words = vocabulary(reference);
  const pulled = await recordCopy.lastPull();
  document.getElementById('device-pulled').textContent = pulled ? t('copy_of', {when: formatWhen(pulled)}) : t('never_pulled');
  const typed = new URLSearchParams(window.location.search).get('code');
  if (path.replace(/\/$/, '') === '/accompagnements/suivi' && typed) {
    window.location.replace(`/accompagnements/suivi/${encodeURIComponent(typed)}`);
    return;
  }
  const record = path.match(RECORD);
  const card = path.match(CARD);
  if (record) await renderRecord(record[1].toLowerCase(), words);
  else if (card) await renderCard(card[1], words, reference);
  else await renderList(words);
}

if (recordCopy) {
  recordCopy.onChange(render);
  outbox.onChange(render);
  render();
  refreshReference();
}
