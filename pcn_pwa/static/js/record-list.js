// The record list: what is still on this tablet, not yet on the server, shown at the top with
// its state (« en attente », « à corriger »…) as soon as it is saved, and kept current as the
// outbox changes (in this tab or another).

import {outbox} from './app.js';
import {cachedReference} from './reference.js';
import {recordLine, vocabulary} from './record-view.js';
import {t} from './strings.js';
import {UNSENT} from './outbox.js';

const section = document.getElementById('waiting-records');

function line(record, words) {
  const href = record.state === 'invalid' ? `/accompagnements/nouveau?brouillon=${record.id}` : '/synchronisation';
  const badge = record.state === 'pending' || record.state === 'sending' ? t('waiting_badge') : t(`state_${record.state}`);
  const item = recordLine(record, words, {href, badge, meta: false});
  item.className = `waiting waiting-${record.state}`;
  return item;
}

async function render() {
  const waiting = (await outbox.inState(...UNSENT))
    .sort((a, b) => String(b.data?.occurred_at).localeCompare(String(a.data?.occurred_at)));
  const words = vocabulary(await cachedReference());
  section.querySelector('ul').replaceChildren(...waiting.map((record) => line(record, words)));
  section.hidden = waiting.length === 0;
}

if (section && outbox) {
  outbox.onChange(render);
  render();
}
