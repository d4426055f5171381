// IndexedDB: "meta" holds what is needed before the PIN (salt, the PIN check, failures, expiry: nothing
// personal); "vault" holds every record sealed with the offline key (the package, the queue, results).
import {open, seal} from "./crypto.js";

const NAME = "jingfang-offline";
let dbPromise = null;

function req(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("meta");
        request.result.createObjectStore("vault");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  return dbPromise;
}

async function store(name, mode = "readonly") {
  return (await db()).transaction(name, mode).objectStore(name);
}

export async function getMeta(key) {
  return req((await store("meta")).get(key));
}

export async function setMeta(key, value) {
  return req((await store("meta", "readwrite")).put(value, key));
}

export async function putSealed(cryptoKey, key, value) {
  const box = await seal(cryptoKey, value);  // sealed before the transaction: it must not wait on crypto
  return req((await store("vault", "readwrite")).put(box, key));
}

export async function getSealed(cryptoKey, key) {
  const box = await req((await store("vault")).get(key));
  return box === undefined ? undefined : open(cryptoKey, box);
}

export async function allSealed(cryptoKey, prefix) {
  const range = IDBKeyRange.bound(prefix, prefix + "\uffff");
  const boxes = await req((await store("vault")).getAll(range));
  return Promise.all(boxes.map((box) => open(cryptoKey, box)));
}

export async function remove(key) {
  return req((await store("vault", "readwrite")).delete(key));
}

export async function removePrefix(prefix) {
  return req((await store("vault", "readwrite")).delete(IDBKeyRange.bound(prefix, prefix + "\uffff")));
}

/** Everything goes: both stores are emptied, then the database itself is deleted. */
export async function wipe() {
  const database = await db();
  const tx = database.transaction(["meta", "vault"], "readwrite");
  tx.objectStore("meta").clear();
  tx.objectStore("vault").clear();
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  database.close();
  dbPromise = null;
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}
