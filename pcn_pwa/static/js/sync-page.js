// The sync page: every record on this tablet with its state, the choices a conflict asks for,
// the messages of a record to fix, and the device's storage.

import {formatLocale, formatWhen, outbox, renderStatus, syncClient} from './app.js';
import {cachedReference, refreshReference} from './reference.js';
import {compareTable, showValue, summary, vocabulary} from './record-view.js';
import {formatBytes, t} from './strings.js';

const list = document.getElementById('outbox-list');
const template = document.getElementById('outbox-item');

/** A record in a few words (its kind by name, never a code such as `individual`: see render()),
 *  then its partners. */
const what = (data, words) => [summary(data, words), showValue('partners', data.partners, words)]
  .filter(Boolean).join(' · ');

function button(label, action, primary = false) {
  const node = document.createElement('button');
  node.type = 'button';
  node.className = primary ? 'button-primary' : 'button-secondary';
  node.textContent = label;
  node.addEventListener('click', async () => {
    await action();
    await render();
    syncClient.run({reset: true});
  });
  return node;
}

let referenceAsked = false;

async function render() {
  const records = (await outbox.all()).sort((a, b) => b.saved_at.localeCompare(a.saved_at));
  const reference = await cachedReference();
  // A first visit may come before the reference data: the names come with it, once.
  if (!reference && !referenceAsked) {
    referenceAsked = true;
    refreshReference().then((body) => body && render());
  }
  const words = vocabulary(reference);
  list.replaceChildren();
  const empty = document.getElementById('outbox-empty');
  empty.hidden = records.length > 0;
  empty.textContent = t('nothing_here');
  records.forEach((record) => {
    const item = template.content.firstElementChild.cloneNode(true);
    item.dataset.id = record.id;
    item.dataset.state = record.state;
    item.querySelector('.when').textContent = record.data?.occurred_at ? formatWhen(record.data.occurred_at) : '';
    item.querySelector('.what').textContent = record.data ? what(record.data, words) : '';
    item.querySelector('.state').textContent = t(`state_${record.state}`);
    const detail = item.querySelector('.outbox-detail');
    if (record.state === 'invalid') {
      const errors = document.createElement('ul');
      errors.className = 'errors';
      // Each message under the field's name in the form, never its code (none for the record as a whole).
      Object.entries(record.errors || {}).forEach(([path, messages]) => messages.forEach((message) => {
        const li = document.createElement('li');
        const label = words.fields?.find((field) => field.code === path)?.label;
        li.textContent = label ? `${label} : ${message}` : message;
        errors.append(li);
      }));
      const fix = document.createElement('a');
      fix.className = 'button-primary';
      fix.href = `/accompagnements/nouveau?brouillon=${record.id}`;
      fix.textContent = t('fix');
      detail.append(errors, fix);
    } else if (record.state === 'forbidden') {
      const message = document.createElement('p');
      message.className = 'errors';
      message.textContent = record.message || '';
      detail.append(message);
    } else if (record.state === 'conflict') {
      // Both versions side by side, in words, as the online edit shows them: nothing is
      // dropped until the advisor picks one.
      detail.append(compareTable(record.data, record.server_data, words),
        button(t('keep_mine'), () => outbox.keepMine(record.id), true),
        button(t('keep_theirs'), () => outbox.keepTheirs(record.id)));
    }
    list.append(item);
  });
}

// The device's storage in sizes people read, and when the browser may clear it, what that
// means and what to do about it.
async function storage() {
  const persisted = navigator.storage?.persisted ? await navigator.storage.persisted() : false;
  document.getElementById('storage-persist').textContent = persisted ? t('storage_persisted') : t('storage_not_persisted');
  const help = document.getElementById('storage-help');
  help.hidden = persisted;
  help.querySelector('button').hidden = !navigator.storage?.persist;
  if (navigator.storage?.estimate) {
    const {usage = 0, quota = 0} = await navigator.storage.estimate();
    document.getElementById('storage-usage').textContent = t('storage_usage',
      {used: formatBytes(usage, formatLocale), quota: formatBytes(quota, formatLocale)});
    const warning = document.getElementById('storage-warning');
    warning.hidden = !(quota && (quota - usage) / quota < 0.2);
    warning.textContent = t('storage_low');
  }
}

document.querySelector('#storage-help button')?.addEventListener('click', async () => {
  await navigator.storage.persist();
  await storage();
});

if (outbox) {
  outbox.onChange(render);
  render();
  storage();
  renderStatus();
}
