// The service worker: it owns the recording's state, turns what content
// scripts report into steps, takes and blacks out screenshots, and sends
// everything to the server through an outbox kept in order.
//
// The state is kept in the extension's own IndexedDB ("status"), which
// content scripts cannot reach, and changed only here:
//   idle       nothing is recorded
//   recording  steps are captured, queued and sent
//   paused     nothing is captured, queued or sent for the session
// Content scripts get a mirror in chrome.storage.local (the state and the
// site and field lists) to know whether to capture at all; as they can
// write that area too, nothing here ever reads it back. Whatever they
// report is checked here again against the state, the site lists and the
// tab (never incognito): a report that crosses a pause is dropped.
import "./lib/rules.js";
import * as db from "./lib/db.js";
import { ApiError, call, sessions, settings } from "./lib/api.js";

const R = globalThis.procmineRules;

// ---- state

async function status() {
  return (await db.get("status")) || { state: "idle" };
}

async function setStatus(change) {
  const next = { ...(await status()), ...change };
  await db.put("status", next);
  await mirror(next);
  await badge(next);
  return next;
}

// mirror passes content scripts what they need to decide whether to
// capture: the state and the lists, nothing else (no notice, no title).
async function mirror(st) {
  const s = await settings();
  await chrome.storage.local.set({ mirror: { state: st.state, allow: s.allow, deny: s.deny, sensitive: s.sensitive } });
}

// gate is set the moment a pause or a stop arrives, before the queue of
// steps ahead of it has run: no screenshot is taken and no step is queued
// while it is set. Resuming clears it, in order.
let gate = "";

async function badge(st) {
  const text = { recording: "REC", paused: "II" }[st.state] || "";
  await chrome.action.setBadgeText({ text });
  await chrome.action.setBadgeBackgroundColor({ color: st.state === "recording" ? "#b00020" : "#555555" });
  const what = { recording: "recording", paused: "paused", idle: "not recording" }[st.state] || st.state;
  const waiting = outbox.steps > 0 ? `; ${outbox.steps} waiting for the server` : "";
  await chrome.action.setTitle({ title: `procmine recorder: ${what}${st.session ? ` "${st.session.title}"` : ""}${waiting}` });
}

// Everything that changes the state or the outbox runs one at a time, in
// the order it arrived; pending counts what waits, so that a page that
// fires events without end cannot grow the queue without end.
let chain = Promise.resolve();
let pending = 0;
function serial(fn) {
  pending++;
  const p = chain.then(fn).finally(() => { pending--; });
  chain = p.catch(async (e) => {
    console.warn("procmine recorder:", e);
    await setStatus({ notice: `Something went wrong: ${e.message || e}` }).catch(() => {});
  });
  return p;
}

// ---- the session's life

async function start(title) {
  const s = await settings();
  if (!s.env) throw new ApiError(0, "not_connected", "choose an environment in the recorder's options first");
  if ((await status()).state !== "idle") throw new Error("a recording is already under way: stop it first");
  const rec = await call("POST", sessions(s.env), { title });
  lastTab = null;
  gate = "";
  return setStatus({ state: "recording", session: { id: rec.id, env: s.env, title: rec.title }, notice: "" });
}

// halt pauses or stops at once: the gate shuts and content scripts learn
// it now; the server learns it through the outbox, behind the steps taken
// before (change, in order).
async function halt(to) {
  gate = to;
  const st = await status();
  if (st.state === "recording") await mirror({ ...st, state: "paused" });
}

// change moves the current session to another state here, and on the
// server through the outbox, behind the steps already queued.
async function change(to) {
  const st = await status();
  if (!st.session) throw new Error("no session is being recorded");
  const op = { recording: "resume", paused: "pause", idle: "stop" }[to];
  await push({ op, env: st.session.env, session: st.session.id });
  if (to === "recording") gate = "";
  const next = await setStatus(to === "idle" ? { state: "idle", session: null, last: st.session, notice: "" } : { state: to, notice: "" });
  pump();
  return next;
}

// adopt continues a draft left by a closed browser or another device:
// it becomes the current session, paused until the user resumes it.
async function adopt(env, id) {
  if ((await status()).state !== "idle") throw new Error("a recording is already under way: stop it first");
  const rec = await call("GET", `${sessions(env)}/${id}`);
  if (rec.state !== "recording" && rec.state !== "paused") throw new Error(`the session is ${rec.state}; only a session still recording or paused can be resumed`);
  if (rec.state === "recording") await push({ op: "pause", env, session: id });
  gate = "paused";
  pump();
  return setStatus({ state: "paused", session: { id, env, title: rec.title }, notice: "" });
}

async function discard(env, id) {
  await db.dropSession(env, id);
  outbox = await db.size();
  const st = await status();
  if (st.session?.env === env && st.session?.id === id) await setStatus({ state: "idle", session: null, notice: "" });
  try {
    await call("DELETE", `${sessions(env)}/${id}`);
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  return status();
}

// ---- the outbox's size, counted as it changes

let outbox = { steps: 0, bytes: 0 };

async function push(item) {
  await db.push(item);
  outbox = { steps: outbox.steps + 1, bytes: outbox.bytes + (item.screenshot?.length || 0) };
}

// ---- steps

let lastTab = null;
let lastCapture = 0;
// activations counts tab activations: a capture during which one came (a
// switch away and back, say) is dropped.
let activations = 0;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// allowedTab tells whether a tab may be recorded at all, and its site.
async function allowedTab(tab) {
  if (!tab || tab.incognito) return "";
  const site = R.siteOf(tab.url || "");
  return R.siteAllowed(site, await settings()) ? site : "";
}

function probe(tabId) {
  return chrome.tabs.sendMessage(tabId, { kind: "probe" }, { frameId: 0 }).catch(() => null);
}

async function isActive(tab) {
  const [active] = await chrome.tabs.query({ active: true, windowId: tab.windowId });
  return active?.id === tab.id;
}

// screenshot captures the visible tab with its secrets blacked out, or
// answers null. The page's secrets are located just before and just
// after the capture; the image is dropped rather than risk showing what
// it must not if, between them, the page, its scroll, its zoom or its
// secrets moved, another tab came to the front, the page is not the
// step's site any more or a site not to record, or a pause came. Chrome
// allows two captures a second.
async function screenshot(tab, site) {
  const wait = lastCapture + 600 - Date.now();
  if (wait > 0) await sleep(wait);
  lastCapture = Date.now();
  if (gate || !(await isActive(tab))) return null;
  const seen = activations;
  const before = await probe(tab.id);
  const now = await chrome.tabs.get(tab.id).catch(() => null);
  if (!before || !now || R.siteOf(before.page) !== site || (await allowedTab(now)) !== site || before.zoom !== 1) return null;
  let url;
  try {
    url = await chrome.tabs.captureVisibleTab(tab.windowId, { format: "png" });
  } catch (e) {
    console.warn("procmine recorder: no screenshot:", e.message);
    return null;
  }
  const after = await probe(tab.id);
  if (gate || !after || JSON.stringify(before) !== JSON.stringify(after) || seen !== activations || !(await isActive(tab))) return null;
  const raw = atob(url.slice(url.indexOf(",") + 1));
  const captured = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) captured[i] = raw.charCodeAt(i);
  const bitmap = await createImageBitmap(new Blob([captured], { type: "image/png" }));
  const sx = bitmap.width / before.viewport[0];
  const sy = bitmap.height / before.viewport[1];
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext("2d");
  g.drawImage(bitmap, 0, 0);
  g.fillStyle = "#000000";
  for (const [x, y, w, h] of before.rects) {
    const x0 = Math.floor(x * sx) - 2, y0 = Math.floor(y * sy) - 2;
    g.fillRect(x0, y0, Math.ceil((x + w) * sx) + 2 - x0, Math.ceil((y + h) * sy) + 2 - y0);
  }
  const png = await canvas.convertToBlob({ type: "image/png" });
  const bytes = new Uint8Array(await png.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { data: btoa(text), scale: [sx, sy] };
}

// record turns what a content script (or a tab switch) saw into a step
// and queues it, unless the recorder is not recording or the site is
// not to be recorded.
async function record(tab, step, rect) {
  const st = await status();
  if (gate || st.state !== "recording" || !st.session) return;
  const site = await allowedTab(tab);
  if (!site) return;
  if (outbox.steps >= R.limits.steps || outbox.bytes >= R.limits.bytes) {
    gate = "paused";
    await push({ op: "pause", env: st.session.env, session: st.session.id });
    await setStatus({ state: "paused", notice: `Paused: ${outbox.steps} steps are waiting for the server, as many as the recorder keeps. Resume when the server can be reached again.` });
    pump();
    return;
  }
  lastTab = tab.id;
  step.application = site;
  step.window_title = String(tab.title || "").slice(0, 2000);
  const s = await settings();
  const shot = s.screenshots ? await screenshot(tab, site) : null;
  // The screenshot is taken after the event: check again that no pause
  // came meanwhile.
  const now = await status();
  if (gate || now.state !== "recording" || now.session?.id !== st.session.id) return;
  const item = { op: "step", env: st.session.env, session: st.session.id, step };
  if (rect) {
    const [kx, ky] = shot ? shot.scale : [1, 1];
    const x0 = Math.floor(rect[0] * kx), y0 = Math.floor(rect[1] * ky);
    step.element.bounds = [x0, y0, Math.max(0, Math.ceil((rect[0] + rect[2]) * kx) - x0), Math.max(0, Math.ceil((rect[1] + rect[3]) * ky) - y0)]
      .map((v) => Math.max(-100000, Math.min(100000, v)));
  }
  if (shot) item.screenshot = shot.data;
  await push(item);
  pump();
}

function cleanStep(raw) {
  const actions = ["click", "right_click", "type", "select", "other", "open"];
  if (!raw || !actions.includes(raw.action)) return null;
  const el = raw.element || {};
  const step = {
    name: String(raw.name || raw.action).slice(0, 500), action: raw.action,
    element: { name: String(el.name || "").slice(0, 2000), role: String(el.role || "").slice(0, 100), password: el.password === true },
    started_at: raw.started_at, ended_at: raw.ended_at,
  };
  if (!step.element.name) delete step.element.name;
  if (!step.element.role) delete step.element.role;
  if (!step.element.password) delete step.element.password;
  if (typeof raw.input === "string" && !step.element.password) step.input = raw.input.slice(0, 65536);
  if (typeof raw.description === "string") step.description = raw.description.slice(0, 4000);
  return step;
}

async function switched(tabId) {
  const st = await status();
  if (gate || st.state !== "recording") return;
  const tab = await chrome.tabs.get(tabId).catch(() => null);
  if (tab && !tab.url && tab.pendingUrl) tab.url = tab.pendingUrl;
  if (lastTab === tabId || !(await allowedTab(tab))) return;
  lastTab = tabId;
  // Let the tab paint before its screenshot.
  await sleep(300);
  const now = new Date().toISOString();
  const title = String(tab.title || R.siteOf(tab.url)).replace(/\s+/g, " ").trim().slice(0, 120);
  await record(tab, { name: `Switch to "${title}"`, action: "switch", element: {}, started_at: now, ended_at: now }, null);
}

// A tab may report at most this many steps a second; what comes faster
// is a page making up events, not a person.
const perSecond = 10;
const recent = new Map();
function tooFast(tabId) {
  const now = Date.now();
  const times = (recent.get(tabId) || []).filter((t) => now - t < 1000);
  times.push(now);
  recent.set(tabId, times);
  return times.length > perSecond;
}

// ---- sending

let pumping = false;
let backoff = 1000;
let retryTimer = 0;

// pump sends the outbox in order, one item at a time. An item the server
// cannot take (the session paused or gone, a step it refuses) is dropped
// with a notice, a step too large for the server is sent again without
// its screenshot; while the server cannot be reached, or refuses the
// token, the items stay and the pump tries again later, with backoff, and
// after a restart of the service worker through an alarm.
async function pump() {
  if (pumping) return;
  pumping = true;
  clearTimeout(retryTimer);
  try {
    for (;;) {
      const item = await db.first();
      if (!item) {
        backoff = 1000;
        outbox = { steps: 0, bytes: 0 };
        await chrome.alarms.clear("retry");
        break;
      }
      try {
        await deliver(item);
        if ((await status()).notice?.startsWith("Steps wait")) await setStatus({ notice: "" });
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403 || e.code === "not_connected")) {
          // Not a refusal of this item: the token or the access to the
          // server. The items wait for the user to fix it.
          await chrome.alarms.create("retry", { delayInMinutes: 1 });
          await setStatus({ notice: `Steps wait: ${e.message}. Check the recorder's options.` });
          break;
        }
        if (e instanceof ApiError && (e.status === 0 || e.status === 429 || e.status >= 500)) {
          retryTimer = setTimeout(pump, backoff);
          backoff = Math.min(backoff * 2, 5000);
          await chrome.alarms.create("retry", { delayInMinutes: 0.5 });
          break;
        }
        if (e instanceof ApiError && e.status === 413 && item.screenshot) {
          // Too large for the server (or a proxy before it): the step
          // goes again, in its place, without its screenshot.
          const { screenshot, ...rest } = item;
          await db.replace(rest);
          outbox = { ...outbox, bytes: Math.max(0, outbox.bytes - screenshot.length) };
          await setStatus({ notice: `"${item.step.name}" was too large for the server with its screenshot: it is sent without.` });
          continue;
        }
        await setStatus({ notice: `The server refused a ${item.op === "step" ? `step ("${item.step.name}")` : item.op}: ${e.message}` });
      }
      await db.remove(item.seq);
      outbox = { steps: Math.max(0, outbox.steps - 1), bytes: Math.max(0, outbox.bytes - (item.screenshot?.length || 0)) };
      backoff = 1000;
    }
  } finally {
    pumping = false;
    await badge(await status());
  }
}

async function deliver(item) {
  const base = `${sessions(item.env)}/${item.session}`;
  if (item.op === "step") {
    const body = { ...item.step };
    if (item.screenshot) body.screenshot = item.screenshot;
    const res = await call("POST", `${base}/steps`, body);
    if (res?.screenshot_dropped) await setStatus({ notice: `The server dropped the screenshot of "${item.step.name}": ${res.screenshot_dropped}` });
    return;
  }
  try {
    await call("POST", `${base}/${item.op}`);
  } catch (e) {
    // Already in that state (or further): nothing to do.
    if (e.status !== 409) throw e;
  }
}

// ---- events

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (sender.id !== chrome.runtime.id) return false;
  const fromPage = sender.url?.startsWith(chrome.runtime.getURL(""));
  if (msg?.kind === "step" && sender.tab && !fromPage) {
    const step = cleanStep(msg.step);
    if (step && !gate && pending < 100 && !tooFast(sender.tab.id)) {
      serial(() => record(sender.tab, step, Array.isArray(msg.rect) ? msg.rect.map(Number) : null));
    }
    return false;
  }
  if (!fromPage) return false;
  const answer = (p) => {
    p.then((v) => reply({ ok: true, status: v }), (e) => reply({ ok: false, error: e.message || String(e) }));
    return true;
  };
  switch (msg?.kind) {
    case "start": return answer(serial(() => start(String(msg.title || "").slice(0, 200))));
    case "pause": return answer(halt("paused").then(() => serial(() => change("paused"))));
    case "resume": return answer(serial(() => change("recording")));
    case "stop": return answer(halt("idle").then(() => serial(() => change("idle"))));
    case "adopt": return answer(serial(() => adopt(Number(msg.env), Number(msg.session))));
    case "discard": return answer(serial(() => discard(Number(msg.env), Number(msg.session))));
    case "status": return answer(status().then((st) => ({ ...st, outbox })));
    case "settings": return answer(status().then(mirror));
    case "flush": pump(); return answer(status());
    default: return false;
  }
});

chrome.tabs.onActivated.addListener(({ tabId }) => {
  activations++;
  serial(() => switched(tabId));
});
chrome.alarms.onAlarm.addListener((a) => { if (a.name === "retry") pump(); });

// A browser that closed while recording leaves the session as a draft:
// the recorder starts paused, and the user resumes, stops or discards it.
chrome.runtime.onStartup.addListener(() => serial(async () => {
  const st = await status();
  if (st.state === "recording") {
    gate = "paused";
    await push({ op: "pause", env: st.session.env, session: st.session.id });
    await setStatus({ state: "paused", notice: `The browser closed while recording "${st.session.title}": it is paused. Resume, stop or discard it.` });
  }
  pump();
}));

// The service worker starts: count what waits, show the state, and send
// what may have been left.
serial(async () => {
  outbox = await db.size();
  const st = await status();
  if (st.state !== "recording") gate = st.state === "paused" ? "paused" : "";
  await mirror(st);
  await badge(st);
  pump();
});
