// A very small promise wrapper around IndexedDB: one database opened lazily and reopened if
// the browser closes it; a write resolves when its transaction completes, not before.

function promisify(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onabort = transaction.onerror = () => reject(transaction.error || new Error('transaction aborted'));
  });
}

export class Store {
  /** One object store ``storeName`` (key path ``keyPath``) in database ``dbName``. */
  constructor(dbName, storeName, keyPath, indexes = []) {
    this.dbName = dbName;
    this.storeName = storeName;
    this.keyPath = keyPath;
    this.indexes = indexes;
    this.opening = null;
  }

  open() {
    if (!this.opening) {
      const request = indexedDB.open(this.dbName, 1);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(this.storeName, {keyPath: this.keyPath});
        this.indexes.forEach((name) => store.createIndex(name, name));
      };
      this.opening = promisify(request).then((db) => {
        db.onclose = () => { this.opening = null; };
        db.onversionchange = () => { db.close(); this.opening = null; };
        return db;
      });
      this.opening.catch(() => { this.opening = null; });
    }
    return this.opening;
  }

  async read(fn) {
    const db = await this.open();
    const transaction = db.transaction(this.storeName, 'readonly');
    return promisify(fn(transaction.objectStore(this.storeName)));
  }

  async write(fn) {
    const db = await this.open();
    const transaction = db.transaction(this.storeName, 'readwrite');
    fn(transaction.objectStore(this.storeName));
    await done(transaction);
  }

  get(key) { return this.read((store) => store.get(key)); }
  all() { return this.read((store) => store.getAll()); }
  allBy(index, value) { return this.read((store) => store.index(index).getAll(value)); }
  /** How many records have ``value`` in ``index``: counted by the database, none read. */
  countBy(index, value) { return this.read((store) => store.index(index).count(value)); }
  put(...values) { return this.write((store) => values.forEach((value) => store.put(value))); }
  delete(...keys) { return this.write((store) => keys.forEach((key) => store.delete(key))); }
}
