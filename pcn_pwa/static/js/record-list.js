// The record list: what is still on this tablet, not yet on the server, shown at the top with
// its state (« en attente », « à corriger »…) as soon as it is saved, and kept current as the
// outbox changes (in this tab or another).

import {formatWhen, outbox} from './app.js';
import {cachedReference} from './reference.js';
import {t} from './strings.js';
import {UNSENT} from './outbox.js';

const section = document.getElementById('waiting-records');

function labels(reference) {
  const of = (list) => new Map((list || []).map((item) => [item.code, item.label || item.name]));
  return {
    kind: of(reference?.choices?.kind),
    procedure: of(reference?.procedures),
    topic: of(reference?.topics),
  };
}

function line(record, words) {
  const data = record.data || {};
  const item = document.createElement('li');
  item.className = `waiting waiting-${record.state}`;
  item.dataset.id = record.id;
  const link = document.createElement('a');
  link.href = record.state === 'invalid' ? `/accompagnements/nouveau?brouillon=${record.id}` : '/synchronisation';
  const when = document.createElement('span');
  when.className = 'when';
  when.textContent = Date.parse(data.occurred_at) ? formatWhen(data.occurred_at) : '';
  const what = document.createElement('span');
  what.className = 'what';
  const details = (data.procedures || []).map((code) => words.procedure.get(code) || code);
  const topics = (data.topics || []).map((code) => words.topic.get(code) || code);
  what.textContent = [words.kind.get(data.kind) || data.kind, (details.length ? details : topics).join(', ')]
    .filter(Boolean).join(' · ');
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = record.state === 'pending' || record.state === 'sending'
    ? t('waiting_badge') : t(`state_${record.state}`);
  link.append(when, what, badge);
  item.append(link);
  return item;
}

async function render() {
  const waiting = (await outbox.inState(...UNSENT))
    .sort((a, b) => String(b.data?.occurred_at).localeCompare(String(a.data?.occurred_at)));
  const words = labels(await cachedReference());
  section.querySelector('ul').replaceChildren(...waiting.map((record) => line(record, words)));
  section.hidden = waiting.length === 0;
}

if (section && outbox) {
  outbox.onChange(render);
  render();
}
