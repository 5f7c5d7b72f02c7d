// The procmine API as the recorder calls it: the server and the token
// come from the settings and the IndexedDB; the token goes only to that
// server, in the Authorization header, and never over plain HTTP to
// another machine.
import "./rules.js";
import * as db from "./db.js";

const R = globalThis.procmineRules;

// settings are the user's settings, from the extension's own IndexedDB.
export async function settings() {
  return R.settings(await db.get("settings"));
}

// saveSettings changes some settings and has the service worker pass
// what content scripts need on to them.
export async function saveSettings(change) {
  const next = { ...(await settings()), ...change };
  delete next.server;
  await db.put("settings", next);
  await chrome.runtime.sendMessage({ kind: "settings" }).catch(() => {});
  return next;
}

// serverProblem says why a server address cannot be used, "" when it can.
export function serverProblem(address) {
  let u;
  try {
    u = new URL(address);
  } catch {
    return "the server address is not a URL, such as https://procmine.example.com";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "the server address must start with https://";
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
  if (u.protocol === "http:" && !loopback) return "use https:// for a server on another machine: over http the token could be read on the way";
  if (u.username || u.password) return "the server address must not hold a user name or password";
  return "";
}

// ApiError is an answer that is not a success, with the server's message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// call sends one request and answers the decoded JSON (null for 204). A
// network failure is an ApiError of status 0.
export async function call(method, path, body, opts = {}) {
  const server = await db.server();
  const token = await db.token();
  const problem = serverProblem(server);
  if (problem) throw new ApiError(0, "not_connected", "not connected: " + problem);
  if (!token) throw new ApiError(0, "not_connected", "not connected: no access token is saved");
  const headers = { Authorization: "Bearer " + token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(server.replace(/\/+$/, "") + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store", redirect: "error", signal: AbortSignal.timeout(60000),
    });
  } catch (e) {
    throw new ApiError(0, "unreachable", `the server cannot be reached (${e.message})`);
  }
  if (res.status === 204) return null;
  if (opts.blob && res.ok) return res.blob();
  let data;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = data?.error || {};
    throw new ApiError(res.status, err.code || "error", err.message || `the server answered ${res.status}`);
  }
  return data;
}

export const sessions = (env) => `/api/v1/environments/${encodeURIComponent(env)}/recording-sessions`;
