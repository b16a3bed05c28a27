// The advisor's home page: the server counted the day and the week as it knows them; the
// records still waiting on this device (new ones, not yet on the server) are added here, and
// said: « 5, dont 2 en attente sur cet appareil ».

import {formatNumber, outbox} from './app.js';
import {UNSENT} from './outbox.js';
import {t} from './strings.js';

const table = document.querySelector('table.day-week');

async function render() {
  const since = {day: Date.parse(table.dataset.dayStart), week: Date.parse(table.dataset.weekStart)};
  // Only records the server has never had (an edit of a sent record is counted there already),
  // and all of them are this user's and their agency's (the outbox is theirs alone).
  const waiting = (await outbox.inState(...UNSENT)).filter((record) => !record.base_version && record.data);
  const moments = waiting.map((record) => Date.parse(record.data.occurred_at)).filter(Number.isFinite);
  table.querySelectorAll('td[data-period]').forEach((cell) => {
    const onDevice = moments.filter((moment) => moment >= since[cell.dataset.period]).length;
    cell.querySelector('.count').textContent = formatNumber(Number(cell.dataset.count) + onDevice);
    const note = cell.querySelector('.on-device');
    note.textContent = onDevice ? t('home_waiting', {num: formatNumber(onDevice)}) : '';
    note.hidden = !onDevice;
  });
  table.dataset.read = '1';
}

if (table && outbox) {
  outbox.onChange(render);
  render();
}
