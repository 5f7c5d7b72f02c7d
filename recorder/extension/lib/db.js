// The recorder's IndexedDB, in the extension's own origin, which content
// scripts and pages cannot open: the access token, and the outbox of
// steps and session changes waiting to be sent, in the order they
// happened, across restarts of the service worker and of the browser.

const NAME = "procmine-recorder";

let opened;

function open() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, 1);
    req.onupgradeneeded = () => {
      req.result.createObjectStore("outbox", { keyPath: "seq", autoIncrement: true });
      req.result.createObjectStore("secret");
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => {
      opened = undefined;
      reject(req.error);
    };
  });
  return opened;
}

// run runs fn on a store in a transaction and resolves with what fn's
// request gave once the transaction is done.
async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    let result;
    const req = fn(tx.objectStore(store));
    if (req) req.onsuccess = () => { result = req.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

// get and put read and write one value of the extension's own: the
// token, the server it belongs to, the settings and the recording's
// state. Content scripts can write chrome.storage.local, so nothing the
// service worker trusts is kept there (see mirror in background.js).
export const get = (key) => run("secret", "readonly", (s) => s.get(key));
export const put = (key, value) => run("secret", "readwrite", (s) => (value === undefined ? s.delete(key) : s.put(value, key)));

export const token = () => get("token").then((t) => t || "");
export const server = () => get("server").then((v) => v || "");

// setConnection keeps a token together with the server it is for: a
// token is never sent to another server than the one it was given with.
export async function setConnection(address, t) {
  const before = await server();
  if (!t && address !== before) {
    await put("token", undefined);
  }
  await put("server", address);
  if (t) await put("token", t);
}

export const forgetToken = () => put("token", undefined);

// push adds an item at the end of the outbox.
export const push = (item) => run("outbox", "readwrite", (s) => s.add(item));
// first is the oldest item of the outbox, undefined when it is empty.
export const first = () => run("outbox", "readonly", (s) => s.openCursor()).then((c) => c?.value);
export const remove = (seq) => run("outbox", "readwrite", (s) => s.delete(seq));
// replace puts an item back in its place (its seq), changed.
export const replace = (item) => run("outbox", "readwrite", (s) => s.put(item));

// size counts the outbox's items and the bytes of their screenshots.
export async function size() {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("outbox", "readonly");
    let steps = 0;
    let bytes = 0;
    const req = tx.objectStore("outbox").openCursor();
    req.onsuccess = () => {
      const c = req.result;
      if (!c) return;
      steps++;
      bytes += c.value.screenshot?.length || 0;
      c.continue();
    };
    tx.oncomplete = () => resolve({ steps, bytes });
    tx.onerror = () => reject(tx.error);
  });
}

// dropSession removes what the outbox holds for a discarded session.
export async function dropSession(env, session) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction("outbox", "readwrite");
    const req = tx.objectStore("outbox").openCursor();
    req.onsuccess = () => {
      const c = req.result;
      if (!c) return;
      if (c.value.env === env && c.value.session === session) c.delete();
      c.continue();
    };
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
}
