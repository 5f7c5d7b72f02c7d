// The review page: a stopped session's steps with their screenshots,
// where the user deletes steps, edits input data and renames steps
// through the session API, then publishes the session into a process.
import "./lib/rules.js";
import { call, sessions } from "./lib/api.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const env = Number(params.get("env"));
const id = Number(params.get("session"));
const base = `${sessions(env)}/${id}`;
const objectURLs = [];
let again = 0;

function say(text, error = false) {
  $("status").textContent = text;
  $("status").className = error ? "error" : "muted";
}

async function screenshot(n) {
  const blob = await call("GET", `${base}/steps/${n}/screenshot`, undefined, { blob: true });
  const url = URL.createObjectURL(blob);
  objectURLs.push(url);
  return url;
}

function field(labelText, value, idText, onSave) {
  const wrap = document.createElement("div");
  const label = document.createElement("label");
  label.htmlFor = idText;
  label.textContent = labelText;
  const input = document.createElement("input");
  input.type = "text";
  input.id = idText;
  input.value = value;
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Save";
  button.setAttribute("aria-label", `Save ${labelText.toLowerCase()} of step ${idText.split("-")[1]}`);
  button.addEventListener("click", async () => {
    try {
      await onSave(input.value);
      await load();
      say("Saved.");
    } catch (e) {
      say(e.message, true);
    }
  });
  const row = document.createElement("div");
  row.className = "row";
  row.append(input, button);
  wrap.append(label, row);
  return wrap;
}

// load shows the session as the server has it; the page's body is marked
// busy meanwhile.
async function load() {
  document.body.dataset.loading = "1";
  try {
    await render();
  } finally {
    delete document.body.dataset.loading;
  }
}

async function render() {
  for (const u of objectURLs.splice(0)) URL.revokeObjectURL(u);
  const rec = await call("GET", base);
  $("title").textContent = `Review "${rec.title}"`;
  document.title = `procmine recorder: review ${rec.title}`;
  $("count").textContent = `${rec.steps.length} steps, ${rec.state}`;
  $("publish").disabled = rec.state !== "stopped";
  if (rec.state === "recording" || rec.state === "paused") {
    // A stop pressed a moment ago may still be on its way to the server
    // (it goes behind the steps waiting in the outbox): look again soon.
    say("Stop the recording before publishing it. (A stop on its way to the server shows here when it arrives.)");
    clearTimeout(again);
    again = setTimeout(() => load().catch((e) => say(e.message, true)), 1500);
  }
  const body = $("steps").tBodies[0];
  const rows = [];
  for (const st of rec.steps) {
    const tr = document.createElement("tr");
    tr.dataset.n = st.n;
    const num = document.createElement("td");
    num.textContent = st.n;
    const text = document.createElement("td");
    text.className = "step";
    const what = document.createElement("div");
    what.textContent = `${st.action} · ${st.application || ""} · ${st.window_title || ""}`;
    what.className = "muted";
    text.append(field("Step name", st.name, `name-${st.n}`, (v) => call("PATCH", `${base}/steps/${st.n}`, { name: v })));
    if (st.input !== undefined || st.action === "type" || st.action === "select") {
      text.append(field("Input data", st.input || "", `input-${st.n}`, (v) => call("PATCH", `${base}/steps/${st.n}`, { input: v })));
    }
    const found = Object.entries(st.findings || {}).filter(([, f]) => f && f.length > 0).map(([k, f]) => `${k}: ${f.map((x) => `${x.kind} (${x.action})`).join(", ")}`);
    if (found.length > 0) {
      const p = document.createElement("p");
      p.className = "finding";
      p.textContent = `Personal data found: ${found.join("; ")}`;
      text.append(p);
    }
    text.prepend(what);
    const shotCell = document.createElement("td");
    shotCell.className = "shot";
    if (st.has_screenshot) {
      const img = document.createElement("img");
      img.alt = `Screenshot of step ${st.n}: ${st.name}`;
      shotCell.append(img);
      screenshot(st.n).then((u) => { img.src = u; }, (e) => { shotCell.textContent = `Not shown: ${e.message}`; });
    } else {
      shotCell.textContent = "none";
      shotCell.className = "muted";
    }
    const actions = document.createElement("td");
    const del = document.createElement("button");
    del.type = "button";
    del.className = "danger delete";
    del.textContent = "Delete";
    del.setAttribute("aria-label", `Delete step ${st.n}: ${st.name}`);
    del.addEventListener("click", async () => {
      try {
        await call("DELETE", `${base}/steps/${st.n}`);
        await load();
        say(`Step ${st.n} deleted.`);
      } catch (e) {
        say(e.message, true);
      }
    });
    actions.append(del);
    tr.append(num, text, shotCell, actions);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

async function loadProcesses() {
  const list = (await call("GET", `/api/v1/environments/${env}/processes`)).processes || [];
  const select = $("process");
  select.replaceChildren(...list.map((p) => {
    const o = document.createElement("option");
    o.value = p.id;
    o.textContent = p.name;
    return o;
  }));
  if (list.length === 0) say("There is no process you can see in this environment: create one in the studio first.", true);
}

$("publish").addEventListener("click", async () => {
  try {
    const rec = await call("POST", `${base}/publish`, { process: Number($("process").value) });
    say(`Published into "${$("process").selectedOptions[0].textContent}".`);
    $("publish").disabled = true;
    $("count").textContent = `${rec.step_count} steps, ${rec.state}`;
  } catch (e) {
    say(e.message, true);
  }
});

Promise.all([load(), loadProcesses()]).catch((e) => say(e.message, true));
