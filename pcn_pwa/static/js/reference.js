// Reference data (catalogues, choices, rules) kept on the device with its version, so records
// can be checked offline. Saving never waits for it: the device's copy is read at once and the
// server's is fetched in the background, with a timeout, for the next record.

import {Store} from './idb.js';

const store = new Store('pcn-reference', 'reference', 'key');
const REFRESH_TIMEOUT_MS = 10000;
const key = () => document.documentElement.lang || 'fr';

/** The device's copy, without touching the network (null if this device never had one). */
export async function cachedReference() {
  const cached = await store.get(key()).catch(() => null);
  return cached ? cached.body : null;
}

let refreshing = null;

/** Ask the server for a newer copy (once at a time); a hanging link gives up after a while. */
export function refreshReference() {
  if (!refreshing) {
    refreshing = (async () => {
      const cached = await store.get(key()).catch(() => null);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), REFRESH_TIMEOUT_MS);
      try {
        const headers = cached ? {'If-None-Match': cached.etag} : {};
        const response = await fetch('/api/v1/reference',
          {headers, credentials: 'same-origin', cache: 'no-store', signal: controller.signal});
        if (response.ok && response.status !== 304) {
          const body = await response.json();
          await store.put({key: key(), etag: response.headers.get('ETag'), body});
          return body;
        }
      } catch (error) { /* offline or hanging: the device's copy stays */ } finally {
        clearTimeout(timer);
        refreshing = null;
      }
      return cached ? cached.body : null;
    })();
  }
  return refreshing;
}
