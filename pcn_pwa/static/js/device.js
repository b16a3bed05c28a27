// What this browser install keeps about itself (its id, each user's last successful sync), in
// IndexedDB rather than localStorage so that the service worker can read it too.

import {Store} from './idb.js';

const store = new Store('pcn-device', 'values', 'key');

export async function getValue(key) {
  const found = await store.get(key);
  return found ? found.value : null;
}

export function setValue(key, value) {
  return store.put({key, value});
}

/** This install's id, made once: the first writer wins, so two tabs starting together agree. */
export async function deviceId() {
  const known = await getValue('device-id');
  if (known) return known;
  // Installs of an earlier version kept it in localStorage: the server knows that one.
  const earlier = typeof localStorage === 'undefined' ? null : localStorage.getItem('pcn-device-id');
  const made = earlier || crypto.randomUUID();
  await store.write((values) => {
    const request = values.get('device-id');
    request.onsuccess = () => { if (!request.result) values.put({key: 'device-id', value: made}); };
  });
  return getValue('device-id');
}
