// The toolbar popup: start, pause, resume and stop the recording, and
// the user's drafts (review, resume, discard).
import "./lib/rules.js";
import { call, sessions, settings } from "./lib/api.js";
import * as db from "./lib/db.js";

const $ = (id) => document.getElementById(id);

async function ask(kind, extra = {}) {
  const res = await chrome.runtime.sendMessage({ kind, ...extra });
  if (!res?.ok) throw new Error(res?.error || "the recorder did not answer");
  return res.status;
}

function act(fn) {
  return async () => {
    $("error").textContent = "";
    for (const b of document.querySelectorAll("button")) b.disabled = true;
    try {
      await fn();
    } catch (e) {
      $("error").textContent = e.message;
    }
    await render();
  };
}

function openPage(path) {
  chrome.tabs.create({ url: chrome.runtime.getURL(path) });
}

async function render() {
  for (const b of document.querySelectorAll("button")) b.disabled = false;
  const s = await settings();
  const server = await db.server();
  const connected = server && s.env && (await db.token());
  const st = await ask("status");
  $("setup").hidden = Boolean(connected);
  $("idle").hidden = !connected || st.state !== "idle";
  $("active").hidden = st.state === "idle";
  $("pause").hidden = st.state !== "recording";
  $("resume").hidden = st.state !== "paused";
  const title = st.session ? ` "${st.session.title}"` : "";
  $("state").textContent = { recording: `Recording${title}`, paused: `Paused${title}`, idle: "Not recording" }[st.state];
  $("state").className = `state ${st.state}`;
  $("notice").hidden = !st.notice;
  $("notice").textContent = st.notice || "";
  $("outbox").textContent = st.outbox.steps > 0 ? `${st.outbox.steps} waiting for the server` : "";
  await renderDrafts(s, st, server);
}

async function renderDrafts(s, st, server) {
  const list = $("drafts");
  list.replaceChildren();
  if (!server || !s.env) return;
  let drafts;
  try {
    drafts = (await call("GET", sessions(s.env))).sessions || [];
  } catch (e) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = `Drafts cannot be listed: ${e.message}`;
    list.append(li);
    return;
  }
  if (drafts.length === 0) {
    const li = document.createElement("li");
    li.className = "muted";
    li.textContent = "No drafts.";
    list.append(li);
  }
  for (const d of drafts) {
    const li = document.createElement("li");
    li.dataset.session = d.id;
    const name = document.createElement("div");
    name.textContent = `${d.title} (${d.state})`;
    const row = document.createElement("div");
    row.className = "row";
    const button = (label, fn) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.setAttribute("aria-label", `${label} ${d.title}`);
      b.addEventListener("click", act(fn));
      row.append(b);
    };
    const current = st.session && st.session.id === d.id && st.session.env === s.env;
    if (d.state === "stopped") button("Review", async () => openPage(`review.html?env=${s.env}&session=${d.id}`));
    if (!current && st.state === "idle" && (d.state === "recording" || d.state === "paused")) button("Continue", () => ask("adopt", { env: s.env, session: d.id }));
    if (!current) {
      // Discarding deletes the steps: the first press asks, the second does it.
      const b = document.createElement("button");
      b.type = "button";
      b.className = "danger";
      b.textContent = "Discard";
      b.setAttribute("aria-label", `Discard ${d.title}`);
      b.addEventListener("click", () => {
        if (b.dataset.armed) return act(() => ask("discard", { env: s.env, session: d.id }))();
        b.dataset.armed = "1";
        b.textContent = "Discard: sure?";
        b.setAttribute("aria-label", `Confirm: discard ${d.title} and its steps`);
      });
      row.append(b);
    }
    li.append(name, row);
    list.append(li);
  }
}

$("start").addEventListener("click", act(async () => {
  const title = $("title").value.trim();
  if (!title) throw new Error("give the task a title");
  await ask("start", { title });
}));
$("pause").addEventListener("click", act(() => ask("pause")));
$("resume").addEventListener("click", act(() => ask("resume")));
$("stop").addEventListener("click", act(async () => {
  const st = await ask("stop");
  if (st.last) openPage(`review.html?env=${st.last.env}&session=${st.last.id}`);
}));
$("options").addEventListener("click", () => chrome.runtime.openOptionsPage());
$("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());

render().catch((e) => { $("error").textContent = e.message; });
