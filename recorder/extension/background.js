// The service worker: it owns the recording's state, turns what content
// scripts report into steps, takes and blacks out screenshots, and sends
// everything to the server through an outbox kept in order.
//
// The state lives in chrome.storage.local under "status" (content scripts
// read it to know whether to capture at all) and is changed only here:
//   idle       nothing is recorded
//   recording  steps are captured, queued and sent
//   paused     nothing is captured, queued or sent for the session
// Whatever the content scripts report is checked here again against the
// state, the site lists and the tab (never incognito): a report that
// crosses a pause on its way is dropped, not queued.
import "./lib/rules.js";
import * as db from "./lib/db.js";
import { ApiError, call, sessions, settings } from "./lib/api.js";

const R = globalThis.procmineRules;

// ---- state

async function status() {
  const v = await chrome.storage.local.get("status");
  return v.status || { state: "idle" };
}

async function setStatus(change) {
  const next = { ...(await status()), ...change };
  await chrome.storage.local.set({ status: next });
  await badge(next);
  return next;
}

async function badge(st) {
  const { steps } = await db.size().catch(() => ({ steps: 0 }));
  const text = { recording: "REC", paused: "II" }[st.state] || "";
  await chrome.action.setBadgeText({ text });
  await chrome.action.setBadgeBackgroundColor({ color: st.state === "recording" ? "#b00020" : "#555555" });
  const what = { recording: "recording", paused: "paused", idle: "not recording" }[st.state] || st.state;
  const waiting = steps > 0 ? `; ${steps} waiting for the server` : "";
  await chrome.action.setTitle({ title: `procmine recorder: ${what}${st.session ? ` "${st.session.title}"` : ""}${waiting}` });
}

// Everything that changes the state or the outbox runs one at a time, in
// the order it arrived.
let chain = Promise.resolve();
function serial(fn) {
  const p = chain.then(fn);
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
  return setStatus({ state: "recording", session: { id: rec.id, env: s.env, title: rec.title }, notice: "" });
}

// change moves the current session to another state here at once, and
// on the server through the outbox, behind the steps already queued.
async function change(to) {
  const st = await status();
  if (!st.session) throw new Error("no session is being recorded");
  if (st.state === to) return st;
  const op = { recording: "resume", paused: "pause", idle: "stop" }[to];
  await db.push({ op, env: st.session.env, session: st.session.id });
  const next = await setStatus(to === "idle" ? { state: "idle", session: null, last: st.session, notice: "" } : { state: to, notice: "" });
  pump();
  return next;
}

// adopt continues a draft left by a closed browser or another device:
// it becomes the current session, paused until the user resumes it.
async function adopt(env, id) {
  const rec = await call("GET", `${sessions(env)}/${id}`);
  if (rec.state !== "recording" && rec.state !== "paused") throw new Error(`the session is ${rec.state}; only a session still recording or paused can be resumed`);
  if (rec.state === "recording") await db.push({ op: "pause", env, session: id });
  pump();
  return setStatus({ state: "paused", session: { id, env, title: rec.title }, notice: "" });
}

async function discard(env, id) {
  await db.dropSession(env, id);
  const st = await status();
  if (st.session?.env === env && st.session?.id === id) await setStatus({ state: "idle", session: null, notice: "" });
  try {
    await call("DELETE", `${sessions(env)}/${id}`);
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  return status();
}

// ---- steps

let lastTab = null;
let lastCapture = 0;

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
// after the capture; if the page, its scroll or its secrets moved
// between, or another tab came to the front, the image is dropped rather
// than risk blacking out the wrong place. Chrome allows two captures a
// second.
async function screenshot(tab) {
  const wait = lastCapture + 600 - Date.now();
  if (wait > 0) await sleep(wait);
  lastCapture = Date.now();
  if (!(await isActive(tab))) return null;
  const before = await probe(tab.id);
  if (!before) return null;
  let url;
  try {
    url = await chrome.tabs.captureVisibleTab(tab.windowId, { format: "png" });
  } catch (e) {
    console.warn("procmine recorder: no screenshot:", e.message);
    return null;
  }
  const after = await probe(tab.id);
  if (!after || JSON.stringify(before) !== JSON.stringify(after) || !(await isActive(tab))) return null;
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
  if (st.state !== "recording" || !st.session) return;
  const site = await allowedTab(tab);
  if (!site) return;
  const size = await db.size();
  if (size.steps >= R.limits.steps || size.bytes >= R.limits.bytes) {
    await db.push({ op: "pause", env: st.session.env, session: st.session.id });
    await setStatus({ state: "paused", notice: `Paused: ${size.steps} steps are waiting for the server, as many as the recorder keeps. Resume when the server can be reached again.` });
    pump();
    return;
  }
  lastTab = tab.id;
  step.application = site;
  step.window_title = String(tab.title || "").slice(0, 2000);
  const s = await settings();
  const shot = s.screenshots ? await screenshot(tab) : null;
  // The screenshot is taken after the event: check again that no pause
  // came meanwhile.
  const now = await status();
  if (now.state !== "recording" || now.session?.id !== st.session.id) return;
  const item = { op: "step", env: st.session.env, session: st.session.id, step };
  if (rect) {
    const [kx, ky] = shot ? shot.scale : [1, 1];
    const x0 = Math.floor(rect[0] * kx), y0 = Math.floor(rect[1] * ky);
    step.element.bounds = [x0, y0, Math.max(0, Math.ceil((rect[0] + rect[2]) * kx) - x0), Math.max(0, Math.ceil((rect[1] + rect[3]) * ky) - y0)]
      .map((v) => Math.max(-100000, Math.min(100000, v)));
  }
  if (shot) item.screenshot = shot.data;
  await db.push(item);
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
  if (st.state !== "recording") return;
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

// ---- the outbox

let pumping = false;
let backoff = 1000;
let retryTimer = 0;

// pump sends the outbox in order, one item at a time. An item the server
// cannot take (the session paused or gone, a step it refuses) is dropped
// with a notice; while the server cannot be reached, the item stays and
// the pump tries again later, with backoff, and after a restart of the
// service worker through an alarm.
async function pump() {
  if (pumping) return;
  pumping = true;
  clearTimeout(retryTimer);
  try {
    for (;;) {
      const item = await db.first();
      if (!item) {
        backoff = 1000;
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
        await setStatus({ notice: `The server refused a ${item.op === "step" ? `step ("${item.step.name}")` : item.op}: ${e.message}` });
      }
      await db.remove(item.seq);
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
    if (step) serial(() => record(sender.tab, step, Array.isArray(msg.rect) ? msg.rect.map(Number) : null));
    return false;
  }
  if (!fromPage) return false;
  const answer = (p) => {
    p.then((v) => reply({ ok: true, status: v }), (e) => reply({ ok: false, error: e.message || String(e) }));
    return true;
  };
  switch (msg?.kind) {
    case "start": return answer(serial(() => start(String(msg.title || "").slice(0, 200))));
    case "pause": return answer(serial(() => change("paused")));
    case "resume": return answer(serial(() => change("recording")));
    case "stop": return answer(serial(() => change("idle")));
    case "adopt": return answer(serial(() => adopt(Number(msg.env), Number(msg.session))));
    case "discard": return answer(serial(() => discard(Number(msg.env), Number(msg.session))));
    case "status": return answer(status().then(async (st) => ({ ...st, outbox: await db.size() })));
    case "flush": pump(); return answer(status());
    default: return false;
  }
});

chrome.tabs.onActivated.addListener(({ tabId }) => serial(() => switched(tabId)));
chrome.alarms.onAlarm.addListener((a) => { if (a.name === "retry") pump(); });

// A browser that closed while recording leaves the session as a draft:
// the recorder starts paused, and the user resumes, stops or discards it.
chrome.runtime.onStartup.addListener(() => serial(async () => {
  const st = await status();
  if (st.state === "recording") {
    await db.push({ op: "pause", env: st.session.env, session: st.session.id });
    await setStatus({ state: "paused", notice: `The browser closed while recording "${st.session.title}": it is paused. Resume, stop or discard it.` });
  }
  pump();
}));

chrome.runtime.onInstalled.addListener(() => serial(async () => badge(await status())));

// The service worker may have been stopped with items waiting.
pump();
