// The recorder's rules, shared by the content script (a classic script,
// which cannot import), the service worker and the extension's pages:
// which sites may be recorded, which fields are sensitive, and the
// settings' defaults. Everything here is pure and synchronous.
"use strict";

(() => {
  const defaults = Object.freeze({
    env: 0,
    allow: [],
    deny: [],
    sensitive: [
      "[autocomplete~='one-time-code']",
      "[autocomplete~='current-password']",
      "[autocomplete~='new-password']",
      "[data-sensitive]",
      "[data-private]",
    ],
    screenshots: true,
  });

  // settings returns stored settings completed with the defaults.
  const settings = (stored) => ({
    ...defaults,
    ...Object.fromEntries(Object.entries(stored || {}).filter(([, v]) => v !== undefined && v !== null)),
  });

  // siteOf is the site a page belongs to: its host (with the port when
  // there is one) for http and https pages, "" for anything else, which
  // is never recorded.
  const siteOf = (url) => {
    try {
      const u = new URL(url);
      if (u.protocol !== "http:" && u.protocol !== "https:") return "";
      // "example.com." is example.com: the trailing dot must not get a
      // site past the deny list.
      const host = u.hostname.toLowerCase().replace(/\.+$/, "");
      return u.port ? `${host}:${u.port}` : host;
    } catch {
      return "";
    }
  };

  // normalizePattern turns a line of an allow or deny list into a host
  // pattern: "example.com", "*.example.com", "example.com:8443" or a URL
  // all name example.com (and, without a port, its subdomains).
  const normalizePattern = (line) => {
    let p = String(line).trim().toLowerCase();
    if (p === "") return "";
    if (p.includes("://")) p = p.split("://")[1];
    p = p.split("/")[0];
    if (p.startsWith("*.")) p = p.slice(2);
    // Written as the browser writes hosts: punycode, no trailing dot.
    return siteOf("http://" + p) || p;
  };

  // matches tells whether site (host[:port]) is named by pattern: a pattern
  // with a port names that host and port; without one, the host and its
  // subdomains on any port.
  const matches = (site, pattern) => {
    const p = normalizePattern(pattern);
    if (p === "") return false;
    if (p.includes(":")) return site === p;
    const host = site.replace(/:\d+$/, "");
    return host === p || host.endsWith("." + p);
  };

  // siteAllowed: nothing on a denied site is recorded; with an allow
  // list, only the sites it names are.
  const siteAllowed = (site, s) => {
    if (!site) return false;
    if (s.deny.some((p) => matches(site, p))) return false;
    const allow = s.allow.filter((p) => normalizePattern(p) !== "");
    return allow.length === 0 || allow.some((p) => matches(site, p));
  };

  // selectorProblem says why a sensitive-field selector cannot be used,
  // "" when it can.
  const selectorProblem = (sel, doc) => {
    try {
      doc.createDocumentFragment().querySelector(sel);
      return "";
    } catch (e) {
      return String(e.message || e);
    }
  };

  // isSensitive: a field whose value is never captured and whose region
  // is blacked out in every screenshot: password fields, payment card
  // fields (autocomplete cc-*), and what the configured selectors match.
  const isSensitive = (el, s) => {
    if (!el || el.nodeType !== 1) return false;
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.tagName === "INPUT" && type === "password") return true;
    const auto = (el.getAttribute("autocomplete") || "").toLowerCase().split(/\s+/);
    if (auto.some((t) => t.startsWith("cc-"))) return true;
    // A selector marks an element and everything in it.
    return s.sensitive.some((sel) => {
      try {
        return el.closest(sel) !== null;
      } catch {
        return false;
      }
    });
  };

  // looksLikeCard: digits (spaces and dashes allowed) that pass the Luhn
  // check, 13 to 19 of them: what a payment card number looks like.
  const looksLikeCard = (text) => {
    const t = String(text).trim();
    if (!/^[0-9][0-9 -]{11,30}[0-9]$/.test(t)) return false;
    const digits = t.replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19) return false;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return sum % 10 === 0;
  };

  // The outbox's bounds: past them the recorder pauses itself.
  const limits = Object.freeze({ steps: 500, bytes: 64 << 20 });

  globalThis.procmineRules = Object.freeze({
    defaults, settings, siteOf, normalizePattern, matches, siteAllowed, selectorProblem, isSensitive, looksLikeCard, limits,
  });
})();
