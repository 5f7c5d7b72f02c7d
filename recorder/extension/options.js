// The options page: the server and its token, the environment, and the
// privacy settings (site lists, sensitive selectors, screenshots).
import "./lib/rules.js";
import { call, saveSettings, serverProblem, settings } from "./lib/api.js";
import * as db from "./lib/db.js";

const R = globalThis.procmineRules;
const $ = (id) => document.getElementById(id);
const lines = (text) => text.split("\n").map((l) => l.trim()).filter((l) => l !== "");

const save = saveSettings;

async function loadEnvironments(s) {
  const select = $("env");
  select.replaceChildren();
  const envs = (await call("GET", "/api/v1/environments")).environments || [];
  for (const e of envs) {
    const o = document.createElement("option");
    o.value = e.id;
    o.textContent = e.name;
    o.selected = e.id === s.env;
    select.append(o);
  }
  if (envs.length > 0 && !envs.some((e) => e.id === s.env)) await save({ env: envs[0].id });
  if (envs.length === 0) $("connection").textContent += " You are a member of no environment: ask an administrator to add you to one.";
}

async function connect() {
  const s = await settings();
  const me = await call("GET", "/api/v1/me");
  $("connection").textContent = `Connected to ${new URL(await db.server()).host} as ${me.username}.`;
  $("connection").className = "";
  await loadEnvironments(s);
  // Steps waiting for a working token go now.
  chrome.runtime.sendMessage({ kind: "flush" }).catch(() => {});
}

$("connect").addEventListener("submit", async (e) => {
  e.preventDefault();
  const server = $("server").value.trim().replace(/\/+$/, "");
  const problem = serverProblem(server);
  $("connection").className = "error";
  if (problem) {
    $("connection").textContent = problem;
    return;
  }
  const token = $("token").value.trim();
  if (!token && server !== (await db.server())) {
    $("connection").textContent = "Give the token again for another server: a token is sent only to the server it was saved with.";
    return;
  }
  await db.setConnection(server, token);
  $("token").value = "";
  try {
    await connect();
  } catch (err) {
    $("connection").className = "error";
    $("connection").textContent = `Not connected: ${err.message}`;
  }
});

$("forget").addEventListener("click", async () => {
  await db.forgetToken();
  $("connection").className = "muted";
  $("connection").textContent = "The token is forgotten.";
});

$("env").addEventListener("change", () => save({ env: Number($("env").value) }));

$("privacy").addEventListener("submit", async (e) => {
  e.preventDefault();
  const sensitive = lines($("sensitive").value);
  const bad = sensitive.map((sel) => [sel, R.selectorProblem(sel, document)]).find(([, p]) => p);
  if (bad) {
    $("privacy-saved").className = "error";
    $("privacy-saved").textContent = `"${bad[0]}" is not a CSS selector: ${bad[1]}`;
    return;
  }
  await save({ deny: lines($("deny").value), allow: lines($("allow").value), sensitive, screenshots: $("screenshots").checked });
  $("privacy-saved").className = "muted";
  $("privacy-saved").textContent = "Saved.";
});

// What is typed while the settings load stays: they fill only the
// fields not typed into.
const typed = new Set();
for (const id of ["server", "deny", "allow", "sensitive"]) $(id).addEventListener("input", () => typed.add(id));
const fill = (id, value) => {
  if (!typed.has(id)) $(id).value = value;
};

(async () => {
  const s = await settings();
  const server = await db.server();
  fill("server", server);
  fill("deny", s.deny.join("\n"));
  fill("allow", s.allow.join("\n"));
  fill("sensitive", s.sensitive.join("\n"));
  $("screenshots").checked = s.screenshots;
  if (server && (await db.token())) {
    $("token").placeholder = "a token is saved; leave empty to keep it";
    connect().catch((err) => {
      $("connection").className = "error";
      $("connection").textContent = `Not connected: ${err.message}`;
    });
  }
  document.body.dataset.loaded = "true";
})();
