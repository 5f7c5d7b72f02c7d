// The content script: it watches the page for the user's actions and
// hands each one, as a step without any secret, to the service worker. It
// runs in the page's top frame only, in the extension's isolated world:
// the page cannot see it, and it never holds the access token.
//
// Privacy rules kept here, before anything leaves the page:
//   - while the recorder is not recording (paused, stopped), nothing is
//     captured or kept: events are ignored, except that a field typed into
//     during a pause is marked, and its value is never captured later on
//     this page, so that what was typed in the pause cannot come back
//     when the field is left after resuming;
//   - on a denied site (or one outside the allow list) nothing at all is
//     captured, not even a step name;
//   - sensitive fields (passwords, card fields, the configured selectors)
//     never have their value read, and the service worker blacks out
//     their region in the screenshot from what probe() reports.
"use strict";

(() => {
  if (window.top !== window) return;
  const R = globalThis.procmineRules;
  // What the service worker passes on: the state and the lists.
  let status = { state: "idle" };
  let settings = R.settings();
  // Fields typed into during a pause, the time each field was first
  // typed into while recording, and the elements ever seen sensitive (a
  // password field that a "show password" button turned into a text
  // field stays one).
  const tainted = new WeakSet();
  const typingSince = new WeakMap();
  const everSensitive = new WeakSet();

  const allowedHere = () => R.siteAllowed(R.siteOf(location.href), settings);
  const recording = () => status.state === "recording" && allowedHere();
  const sensitive = (el) => {
    if (everSensitive.has(el)) return true;
    if (R.isSensitive(el, settings)) {
      everSensitive.add(el);
      return true;
    }
    return false;
  };

  const clip = (text, n = 120) => {
    const t = String(text || "").replace(/\s+/g, " ").trim();
    return t.length > n ? t.slice(0, n - 1) + "…" : t;
  };

  const TEXT_TYPES = new Set(["", "text", "email", "tel", "url", "search", "number", "password", "date", "datetime-local", "month", "week", "time"]);
  const isTextField = (el) =>
    (el.tagName === "INPUT" && TEXT_TYPES.has((el.getAttribute("type") || "").toLowerCase())) ||
    el.tagName === "TEXTAREA" || el.isContentEditable;

  // accessibleName follows the accessible name computation's main rules:
  // aria-labelledby, aria-label, the field's labels, a button's value, an
  // image's alt, the element's text for buttons and links, then
  // placeholder and title. A field's own value is never its name.
  const accessibleName = (el) => {
    const secret = sensitive(el);
    const ids = el.getAttribute("aria-labelledby");
    if (ids) {
      const t = ids.split(/\s+/).map((id) => document.getElementById(id)?.textContent || "").join(" ");
      if (clip(t)) return clip(t);
    }
    if (clip(el.getAttribute("aria-label"))) return clip(el.getAttribute("aria-label"));
    if (el.labels && el.labels.length > 0) {
      const t = [...el.labels].map((l) => l.textContent).join(" ");
      if (clip(t)) return clip(t);
    }
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.tagName === "INPUT" && ["button", "submit", "reset"].includes(type)) return clip(el.value || type);
    if (el.tagName === "IMG" || (el.tagName === "INPUT" && type === "image")) {
      if (clip(el.getAttribute("alt"))) return clip(el.getAttribute("alt"));
    }
    if (!secret && !isTextField(el) && el.tagName !== "SELECT" && el.tagName !== "FORM") {
      const t = clip(el.innerText || el.textContent);
      if (t) return t;
    }
    for (const attr of ["placeholder", "title", "name", "id"]) {
      if (clip(el.getAttribute(attr))) return clip(el.getAttribute(attr));
    }
    return el.tagName.toLowerCase();
  };

  const roleOf = (el) => {
    const explicit = (el.getAttribute("role") || "").split(/\s+/)[0];
    if (explicit) return explicit;
    const type = (el.getAttribute("type") || "").toLowerCase();
    switch (el.tagName) {
      case "A": return "link";
      case "BUTTON": case "SUMMARY": return "button";
      case "SELECT": return el.multiple ? "listbox" : "combobox";
      case "TEXTAREA": return "textbox";
      case "FORM": return "form";
      case "INPUT":
        if (["button", "submit", "reset", "image"].includes(type)) return "button";
        if (type === "checkbox" || type === "radio") return type;
        if (type === "search") return "searchbox";
        if (type === "range") return "slider";
        return "textbox";
      default: return el.isContentEditable ? "textbox" : "generic";
    }
  };

  const rect = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left, r.top, r.width, r.height];
  };

  const send = (action, el, extra = {}) => {
    const now = new Date().toISOString();
    const element = el ? { name: accessibleName(el), role: roleOf(el), password: sensitive(el) } : {};
    const verb = { click: "Click", right_click: "Right-click", type: "Type in", select: "Select in", other: "Submit", open: "Open" }[action] || action;
    const what = el ? element.name : clip(document.title || location.host);
    const step = { name: clip(`${verb} "${what}"`, 500), action, element, started_at: extra.started || now, ended_at: now };
    if (extra.input !== undefined && !element.password) step.input = String(extra.input).slice(0, 65536);
    if (extra.description) step.description = extra.description;
    // The service worker takes the site and the title from the tab: the
    // page's address, which may hold personal data in its query, is not
    // handed over.
    chrome.runtime.sendMessage({ kind: "step", step, rect: el ? rect(el) : null }).catch(() => {});
  };

  // actionable is the element a click acts on: the nearest control.
  const actionable = (target) => target.closest?.(
    "button, a[href], input, select, textarea, summary, label, [role=button], [role=link], [role=menuitem], [role=tab], [role=option], [role=checkbox], [role=switch]",
  ) || target;

  document.addEventListener("focusin", (e) => { sensitive(e.target); }, true);

  document.addEventListener("input", (e) => {
    const el = e.target;
    sensitive(el);
    if (status.state === "paused") tainted.add(el);
    if (!e.isTrusted) return;
    else if (recording() && !typingSince.has(el)) typingSince.set(el, new Date().toISOString());
  }, true);

  document.addEventListener("click", (e) => {
    if (!recording() || !e.isTrusted) return;
    const el = actionable(e.target);
    if (tainted.has(el)) return;
    // Typing, choices and checkboxes are steps of their own (change);
    // a label only moves the focus or toggles its field.
    if (isTextField(el) || el.tagName === "SELECT" || el.tagName === "LABEL") return;
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.tagName === "INPUT" && (type === "checkbox" || type === "radio" || type === "file")) return;
    send("click", el);
  }, true);

  document.addEventListener("contextmenu", (e) => {
    if (recording() && e.isTrusted) send("right_click", actionable(e.target));
  }, true);

  document.addEventListener("change", (e) => {
    const el = e.target;
    if (!recording() || !e.isTrusted || tainted.has(el)) return;
    const started = typingSince.get(el);
    typingSince.delete(el);
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (el.tagName === "SELECT") {
      send("select", el, { input: [...el.selectedOptions].map((o) => clip(o.label, 500)).join(", ") });
    } else if (el.tagName === "INPUT" && (type === "checkbox" || type === "radio")) {
      send("select", el, { input: el.checked ? "checked" : "unchecked" });
    } else if (el.tagName === "INPUT" && type === "file") {
      send("click", el, { description: "files chosen" });
    } else if (isTextField(el)) {
      send("type", el, { input: el.value, started });
    }
  }, true);

  // Rich text editors have no change event: their text is a step when
  // the focus leaves them.
  document.addEventListener("focusout", (e) => {
    const el = e.target;
    if (!e.isTrusted || !el.isContentEditable || !typingSince.has(el) || !recording() || tainted.has(el)) return;
    const started = typingSince.get(el);
    typingSince.delete(el);
    send("type", el, { input: el.innerText, started });
  }, true);

  document.addEventListener("submit", (e) => {
    if (!recording() || !e.isTrusted) return;
    send("other", e.target, { description: "form submitted" });
  }, true);

  // probe reports where the page's secrets are in the viewport, for the
  // service worker to black them out of the screenshot it takes, with
  // what tells whether the page moved meanwhile. Frames, whose content
  // this script cannot see, are blacked out whole. Open and closed shadow
  // roots are searched too.
  const probe = () => {
    if (!allowedHere()) return null;
    const rects = [];
    const vw = window.innerWidth, vh = window.innerHeight;
    const add = (el) => {
      const [x, y, w, h] = rect(el);
      if (w > 0 && h > 0 && x < vw && y < vh && x + w > 0 && y + h > 0) rects.push([x, y, w, h].map((v) => Math.round(v * 100) / 100));
    };
    const walk = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (sensitive(el) || tainted.has(el) || ["IFRAME", "FRAME", "EMBED", "OBJECT"].includes(el.tagName)) add(el);
        else if ((el.tagName === "INPUT" || el.tagName === "TEXTAREA") && R.looksLikeCard(el.value)) add(el);
        const shadow = chrome.dom?.openOrClosedShadowRoot?.(el) || el.shadowRoot;
        if (shadow) walk(shadow);
      }
    };
    walk(document);
    const vv = window.visualViewport;
    return {
      page: location.href, viewport: [vw, vh], scroll: [window.scrollX, window.scrollY], dpr: window.devicePixelRatio,
      zoom: vv ? vv.scale : 1, offset: vv ? [vv.offsetLeft, vv.offsetTop] : [0, 0], rects,
    };
  };

  chrome.runtime.onMessage.addListener((msg, sender, reply) => {
    if (sender.id !== chrome.runtime.id || msg?.kind !== "probe") return false;
    reply(probe());
    return false;
  });

  const take = (m) => {
    status = { state: m?.state || "idle" };
    settings = R.settings({ allow: m?.allow, deny: m?.deny, sensitive: m?.sensitive });
  };
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes.mirror) take(changes.mirror.newValue);
  });

  chrome.storage.local.get("mirror").then((v) => {
    take(v.mirror);
    if (recording()) send("open", null);
  });
})();
