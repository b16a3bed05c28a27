// Reference data (catalogues, choices, rules) kept on the device with its version, so records
// can be checked offline. Refreshed with If-None-Match whenever the network allows.

import {Store} from './idb.js';

const store = new Store('pcn-reference', 'reference', 'key');

export async function loadReference() {
  const key = document.documentElement.lang || 'fr';
  const cached = await store.get(key).catch(() => null);
  try {
    const headers = cached ? {'If-None-Match': cached.etag} : {};
    const response = await fetch('/api/v1/reference', {headers, credentials: 'same-origin', cache: 'no-store'});
    if (response.status === 304 && cached) return cached.body;
    if (response.ok) {
      const body = await response.json();
      await store.put({key, etag: response.headers.get('ETag'), body});
      return body;
    }
  } catch (error) { /* offline: use what the device has */ }
  return cached ? cached.body : null;
}
