// procmine studio: small enhancements of server-rendered pages. Every
// action also works, or is refused, on the server; this only spares
// reloads and shows progress.

// Map controls: a slider or the view applies at once; filters on Apply.
const controls = document.getElementById("map-controls");
if (controls) {
  controls.addEventListener("change", (e) => {
    if (!e.target.closest("fieldset")) controls.submit();
  });
  // The filters written with two fields ("A is followed by B", a case
  // attribute kept or dropped) go as the one parameter the API reads.
  const hidden = (name, value) => {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    controls.append(input);
  };
  controls.addEventListener("submit", () => {
    const a = document.getElementById("f-follow-a"), b = document.getElementById("f-follow-b");
    if (a && b && a.value.trim() && b.value.trim()) {
      const [param, sep] = document.getElementById("f-follow-how").value.split(":");
      hidden(param, a.value.trim() + sep + b.value.trim());
    }
    for (const [field, how] of [["f-attr", "f-attr-how"], ["f-event-attr", "f-event-attr-how"]]) {
      const attr = document.getElementById(field);
      if (attr && attr.value.trim()) hidden(document.getElementById(how).value, attr.value.trim());
    }
  });
}

// Click (or Enter on) an activity or a path for its figures: Graphviz put
// them in each element's tooltip.
const figures = document.getElementById("figures");
const mapEl = document.getElementById("map");
if (figures && mapEl) {
  const show = (el) => {
    const link = el.querySelector("a");
    figures.textContent = (link && (link.getAttribute("xlink:title") || link.getAttribute("title"))) || el.querySelector("title").textContent;
  };
  // Every activity and path can take the focus, so the keyboard reaches them too.
  for (const el of mapEl.querySelectorAll("g.node, g.edge")) {
    el.setAttribute("tabindex", "0");
    el.setAttribute("role", "button");
    // Its name is its figures, which must hold the words it shows (speech
    // input says "click check ticket"); where they do not (a marked
    // activity's note), the name is what it shows and the figures its
    // description.
    const link = el.querySelector("a");
    const tip = (link && link.getAttribute("xlink:title")) || el.querySelector("title").textContent;
    const shown = [...el.querySelectorAll("text")].map((t) => t.textContent.trim()).filter(Boolean).join(", ");
    const words = (s) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim();
    if (!shown || words(tip).includes(words(shown))) el.setAttribute("aria-label", tip);
    else { el.setAttribute("aria-label", shown); el.setAttribute("aria-description", tip); }
    el.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); e.stopPropagation(); show(el); } });
  }
  mapEl.addEventListener("click", (e) => {
    const el = e.target.closest("g.node, g.edge");
    if (el) show(el);
  });
}

// Upload with a live progress bar: send the file to the API, then poll the job.
const upload = document.getElementById("upload");
if (upload) {
  upload.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = document.getElementById("upload-status");
    const bar = document.getElementById("progress");
    status.textContent = "Uploading…";
    bar.hidden = false;
    bar.value = 0;
    const resp = await fetch(upload.dataset.action, { method: "POST", body: new FormData(upload) });
    const body = await resp.json();
    if (!resp.ok) {
      status.textContent = body.error ? body.error.message : "The upload failed.";
      return;
    }
    for (;;) {
      const job = await (await fetch(`/api/v1/jobs/${body.job}`)).json();
      bar.value = job.progress || 0;
      if (job.state === "done") {
        status.textContent = "Imported.";
        location.reload();
        return;
      }
      if (job.state === "failed") {
        status.textContent = job.error;
        status.setAttribute("role", "alert");
        return;
      }
      status.textContent = `Importing… ${Math.round((job.progress || 0) * 100)}%`;
      await new Promise((r) => setTimeout(r, 200));
    }
  });
}

// Share dialog.
const share = document.getElementById("share");
if (share) {
  share.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const form = new FormData(share);
    const [kind, id] = form.get("principal").split(":");
    const resp = await fetch(share.dataset.action, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ principal: { [kind]: Number(id) }, access: form.get("access") }),
    });
    const body = await resp.json();
    document.getElementById("share-status").textContent = resp.ok
      ? `Shared as ${body.access}.` : body.error.message;
  });
}

// The map opens at a zoom where every activity's label is at least
// minLabel CSS pixels high (Graphviz writes font sizes in points, the
// SVG's user units, and a point is 4/3 of a pixel at zoom 1): the whole
// map when that fits the panel, else its start, with an overview of the
// whole in the corner. Drag, the scroll bars or the arrow keys move it;
// the buttons, + and - (or Ctrl and the wheel) zoom.
const minLabel = 11;
const map = document.getElementById("map");
const svg = map && map.querySelector("svg");
const mapTools = document.getElementById("map-tools");
if (svg && mapTools && svg.viewBox && svg.viewBox.baseVal && svg.viewBox.baseVal.width > 0) {
  const box = svg.viewBox.baseVal;
  const natW = box.width * 4 / 3, natH = box.height * 4 / 3;
  // The smallest label of an activity (or of the start and end) sets the
  // readable zoom.
  const sizes = [...svg.querySelectorAll("g.node text")].map((t) => parseFloat(t.getAttribute("font-size"))).filter((f) => f > 0);
  // (A hundredth more: rounding never brings one under.)
  const readable = 1.01 * minLabel / (Math.min(...sizes, 14) * 4 / 3);
  const overview = document.getElementById("map-overview");
  const viewRect = document.getElementById("map-view");
  const zoomText = document.getElementById("map-zoom");
  const fit = () => Math.min((map.clientWidth - 2) / natW, (map.clientHeight - 2) / natH);
  let zoom = 1;

  // The overview: a copy of the map, scaled to a small box of the same
  // shape, and a rectangle showing the part in view. It is for the
  // pointer only: the keyboard moves the map itself.
  const copy = svg.cloneNode(true);
  for (const el of [copy, ...copy.querySelectorAll("[id], [tabindex], [role], [aria-label]")]) {
    for (const a of ["id", "tabindex", "role", "aria-label"]) el.removeAttribute(a);
  }
  copy.setAttribute("width", "100%");
  copy.setAttribute("height", "100%");
  overview.prepend(copy);
  const sizeOverview = () => {
    const most = map.clientWidth < 500 ? 110 : 180;
    const k = Math.min(most / natW, most / natH);
    overview.style.width = `${natW * k}px`;
    overview.style.height = `${natH * k}px`;
  };
  const showView = () => {
    const w = svg.getBoundingClientRect().width, h = svg.getBoundingClientRect().height;
    const whole = w <= map.clientWidth + 1 && h <= map.clientHeight + 1;
    overview.hidden = whole;
    if (whole) return;
    const ow = overview.clientWidth / w, oh = overview.clientHeight / h;
    viewRect.style.left = `${map.scrollLeft * ow}px`;
    viewRect.style.top = `${map.scrollTop * oh}px`;
    viewRect.style.width = `${Math.min(w, map.clientWidth) * ow}px`;
    viewRect.style.height = `${Math.min(h, map.clientHeight) * oh}px`;
  };

  // setZoom zooms to z keeping the point (cx, cy) of the panel (its
  // centre by default) where it is.
  const setZoom = (z, cx = map.clientWidth / 2, cy = map.clientHeight / 2) => {
    z = Math.min(4, Math.max(Math.min(fit(), readable) / 2, z));
    const px = (map.scrollLeft + cx) / (natW * zoom), py = (map.scrollTop + cy) / (natH * zoom);
    zoom = z;
    svg.style.width = `${natW * z}px`;
    svg.style.height = `${natH * z}px`;
    map.scrollLeft = px * natW * z - cx;
    map.scrollTop = py * natH * z - cy;
    zoomText.textContent = `${Math.round(z * 100)}%${z < readable - 1e-9 ? " (labels below 11 px)" : ""}`;
    showView();
  };
  // The first view: the whole map when its labels read at that size
  // (but not blown up more than a quarter), else the readable zoom at the
  // start of the map, which Graphviz draws at the top.
  const first = () => {
    const f = fit();
    if (f >= readable) { setZoom(Math.min(f, Math.max(readable, 1.25))); return; }
    setZoom(readable);
    const start = [...svg.querySelectorAll("g.node")].find((g) => g.querySelector("title").textContent === "start");
    const r = (start || svg).getBoundingClientRect(), m = map.getBoundingClientRect();
    map.scrollLeft += r.left + r.width / 2 - (m.left + map.clientWidth / 2);
    map.scrollTop = 0;
    showView();
  };
  mapTools.hidden = false;
  sizeOverview();
  first();
  map.addEventListener("scroll", showView);
  window.addEventListener("resize", () => { sizeOverview(); showView(); });

  document.getElementById("map-zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
  document.getElementById("map-zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
  document.getElementById("map-fit").addEventListener("click", () => { setZoom(fit()); map.scrollLeft = map.scrollTop = 0; showView(); });
  document.getElementById("map-readable").addEventListener("click", () => setZoom(Math.max(readable, Math.min(zoom, 1))));
  map.addEventListener("wheel", (e) => {
    if (!e.ctrlKey && !e.metaKey) return; // the wheel alone scrolls
    e.preventDefault();
    const m = map.getBoundingClientRect();
    setZoom(zoom * (e.deltaY < 0 ? 1.1 : 1 / 1.1), e.clientX - m.left, e.clientY - m.top);
  }, { passive: false });
  map.addEventListener("keydown", (e) => {
    const step = 60;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.key === "+" || e.key === "=") setZoom(zoom * 1.25);
    else if (e.key === "-" || e.key === "_") setZoom(zoom / 1.25);
    else if (moves[e.key]) map.scrollBy(moves[e.key][0], moves[e.key][1]);
    else return;
    e.preventDefault();
  });
  // Drag with a mouse or pen to move; touch scrolls the panel natively.
  // A press that does not move stays a click (an activity's figures).
  let drag = null;
  map.addEventListener("pointerdown", (e) => {
    if (e.pointerType === "touch" || e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, left: map.scrollLeft, top: map.scrollTop, moved: false, id: e.pointerId };
  });
  map.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) { drag.moved = true; map.setPointerCapture(drag.id); map.classList.add("dragging"); }
    map.scrollLeft = drag.left - dx;
    map.scrollTop = drag.top - dy;
  });
  const stop = () => { drag = null; map.classList.remove("dragging"); };
  map.addEventListener("pointerup", stop);
  map.addEventListener("pointercancel", stop);
  // The overview: press or drag to bring that part of the map into view.
  let steering = false;
  const steer = (e) => {
    const o = overview.getBoundingClientRect();
    const w = svg.getBoundingClientRect().width, h = svg.getBoundingClientRect().height;
    map.scrollLeft = (e.clientX - o.left) / o.width * w - map.clientWidth / 2;
    map.scrollTop = (e.clientY - o.top) / o.height * h - map.clientHeight / 2;
  };
  overview.addEventListener("pointerdown", (e) => { steering = true; overview.setPointerCapture(e.pointerId); steer(e); });
  overview.addEventListener("pointermove", (e) => { if (steering) steer(e); });
  overview.addEventListener("pointerup", () => { steering = false; });
  overview.addEventListener("pointercancel", () => { steering = false; });
}

// The other pages' maps (model, conformance, task mining): drag to move,
// wheel or + and - keys to zoom the drawing scaled to its panel.
if (svg && !mapTools) {
  let scale = 1, x = 0, y = 0, drag = null;
  const apply = () => { svg.style.transform = `translate(${x}px, ${y}px) scale(${scale})`; };
  map.addEventListener("wheel", (e) => { e.preventDefault(); scale = Math.min(8, Math.max(0.2, scale * (e.deltaY < 0 ? 1.1 : 0.9))); apply(); });
  map.addEventListener("pointerdown", (e) => { drag = { x: e.clientX - x, y: e.clientY - y }; map.setPointerCapture(e.pointerId); });
  map.addEventListener("pointermove", (e) => { if (drag) { x = e.clientX - drag.x; y = e.clientY - drag.y; apply(); } });
  map.addEventListener("pointerup", () => { drag = null; });
  map.addEventListener("keydown", (e) => {
    if (e.key === "+") scale *= 1.2; else if (e.key === "-") scale /= 1.2;
    else if (e.key.startsWith("Arrow")) { const d = 40; x += e.key === "ArrowLeft" ? d : e.key === "ArrowRight" ? -d : 0; y += e.key === "ArrowUp" ? d : e.key === "ArrowDown" ? -d : 0; }
    else return;
    e.preventDefault(); apply();
  });
}

// The answer of an API call as text for a status line.
const message = async (resp, ok) => {
  if (resp.ok) return ok;
  try { const body = await resp.json(); return body.error.message; } catch { return `The request failed (${resp.status}).`; }
};
const say = (el, text, failed) => {
  el.textContent = text;
  el.setAttribute("role", failed ? "alert" : "status");
};

// The upload's column mapping. For a CSV or TSV file the first 64 KB are
// read here and sent, with the pickers, to the preview route, which reads
// them with the importer itself: the table shows what the import will
// make of the first rows, and why it would refuse any. The preview stores
// nothing; the file goes up when the form is submitted, with the pickers
// as the upload's mapping fields.
// An object-centric log's object types, as its first megabyte declares
// them, are offered for the object type the upload needs; the server
// checks the one given and names the others if it is not there.
const ocel = document.getElementById("ocel");
const offerObjectTypes = (head) => {
  const list = document.getElementById("object-types");
  let names = [];
  if (head.trimStart().startsWith("<")) {
    names = [...head.matchAll(/<object-type\s+name="([^"]*)"/g)].map((m) => m[1]);
  } else {
    // The objectTypes array, cut out by its brackets (outside strings).
    const at = head.indexOf('"objectTypes"');
    const open = at < 0 ? -1 : head.indexOf("[", at);
    let depth = 0, inString = false, end = -1;
    for (let i = open; open >= 0 && i < head.length; i++) {
      const c = head[i];
      if (inString) {
        if (c === "\\") i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === "[" || c === "{") depth++;
      else if ((c === "]" || c === "}") && --depth === 0) { end = i + 1; break; }
    }
    try {
      if (end > 0) names = JSON.parse(head.slice(open, end)).map((t) => t.name).filter((n) => typeof n === "string");
    } catch { names = []; }
  }
  list.replaceChildren(...names.map((n) => Object.assign(document.createElement("option"), { value: n })));
};

const mapping = document.getElementById("mapping");
if (upload && mapping) {
  const fileInput = document.getElementById("file");
  const summary = document.getElementById("preview-summary");
  const table = document.getElementById("preview-table");
  const delimiter = document.getElementById("m-delimiter");
  const format = document.getElementById("m-timestamp-format");
  const pickers = [...mapping.querySelectorAll("select.column-picker")];
  const MAX = 64 * 1024;
  const delimiterNames = { ",": "comma", ";": "semicolon", "\t": "tab", "|": "bar" };
  let sample = null, name = "", seq = 0, timer = null;

  // The first bytes (of the content, for a .gz file), cut at the last
  // whole line when there are more.
  const readSample = async (file) => {
    let buf, more;
    if (/\.gz$/i.test(file.name)) {
      const reader = file.stream().pipeThrough(new DecompressionStream("gzip")).getReader();
      const parts = [];
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        if ((n += value.length) > MAX) break;
      }
      more = n > MAX;
      reader.cancel().catch(() => {});
      buf = new Uint8Array(Math.min(n, MAX));
      let at = 0;
      for (const part of parts) {
        if (at >= buf.length) break;
        buf.set(part.subarray(0, buf.length - at), at);
        at += part.length;
      }
    } else {
      buf = new Uint8Array(await file.slice(0, MAX).arrayBuffer());
      more = file.size > MAX;
    }
    if (more) {
      const nl = buf.lastIndexOf(10);
      if (nl > 0) buf = buf.slice(0, nl + 1);
    }
    return buf;
  };
  // The importer names the CLI's flags (--case); here they are pickers.
  const picker = (field) => {
    const l = mapping.querySelector(`label[for="m-${field === "timestamp" ? "start" : field}"]`);
    return l ? `the ${l.textContent} picker` : field;
  };
  const plain = (text) => text && text.replace(/--([a-z-]+)/g, (_, f) => picker(f));
  const cell = (tag, text, cls) => {
    const el = document.createElement(tag);
    el.textContent = text;
    if (cls) el.className = cls;
    return el;
  };
  // The pickers offer the file's columns, keeping a choice still among them.
  const offer = (columns) => {
    for (const p of pickers) {
      const keep = columns.includes(p.value) ? p.value : "";
      p.replaceChildren(cell("option", "auto"), ...columns.map((c) => { const o = cell("option", c); o.value = c; return o; }));
      p.firstChild.value = "";
      p.value = keep;
    }
  };
  const render = (p) => {
    const roles = {};
    for (const [role, col] of Object.entries(p.mapped || {})) (roles[col] = roles[col] || []).push(role);
    for (const picker of pickers) picker.firstChild.textContent = p.mapped && p.mapped[picker.name] && !picker.value ? `auto: ${p.mapped[picker.name]}` : "auto";
    const head = document.createElement("tr");
    head.append(cell("th", "Line"));
    for (const c of p.columns) {
      const th = cell("th", c);
      th.scope = "col";
      for (const r of roles[c] || []) th.append(cell("span", r, "role"));
      head.append(th);
    }
    head.append(cell("th", "Check"));
    for (const th of head.children) th.scope = "col";
    const body = document.createElement("tbody");
    for (const r of p.rows) {
      const tr = document.createElement("tr");
      if (r.error) tr.className = "bad";
      tr.append(cell("td", String(r.line)), ...(r.fields || []).map((f) => cell("td", f)));
      for (let i = (r.fields || []).length; i < p.columns.length; i++) tr.append(cell("td", ""));
      // The line is in the first cell: the reason follows it.
      const why = plain(r.error && r.error.startsWith(`${name}:${r.line}: `) ? r.error.slice(`${name}:${r.line}: `.length) : r.error);
      tr.append(cell("td", why || (p.error ? "not checked" : "reads"), why ? "why" : "ok"));
      body.append(tr);
    }
    const thead = document.createElement("thead");
    thead.append(head);
    table.replaceChildren(thead, body);
    const bad = p.rows.filter((r) => r.error);
    const d = delimiterNames[p.delimiter] ? `${delimiterNames[p.delimiter]}${p.delimiter === "\t" ? "" : ` (${p.delimiter})`}` : p.delimiter;
    const counts = `Delimiter: ${d}. ${p.columns.length} columns.`;
    const more = p.complete ? "" : "; the file has more";
    if (p.error) say(summary, `${counts} The import cannot read the file with this mapping: ${plain(p.error)}`, true);
    else if (bad.length) say(summary, `${counts} ${bad.length} of the ${p.rows.length} rows checked would be refused${more}. The first: ${plain(bad[0].error)}`, true);
    else say(summary, `${counts} The ${p.rows.length} rows checked all read${more}.`);
  };
  // Ask the server; mapped says whether to send the pickers (the first
  // look at a file detects everything). An answer overtaken by a newer
  // question is dropped.
  const check = async (mapped) => {
    const n = ++seq;
    const form = new FormData();
    form.append("file", new File([sample], name));
    if (mapped) {
      form.append("delimiter", delimiter.value);
      for (const p of pickers) form.append(p.name, p.value);
      form.append("timestamp-format", format.value.trim());
    }
    const resp = await fetch(upload.dataset.preview, { method: "POST", body: form });
    if (n !== seq) return null;
    if (!resp.ok) {
      say(summary, await message(resp), true);
      table.replaceChildren();
      return null;
    }
    return resp.json();
  };
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    sample = null;
    table.replaceChildren();
    summary.textContent = "";
    const tabular = file && /\.(csv|tsv|txt)(\.gz)?$/i.test(file.name);
    mapping.hidden = !tabular;
    mapping.disabled = !tabular;
    const objectCentric = file && /\.(jsonocel|xmlocel|sqlite|sqlite3)(\.gz)?$/i.test(file.name);
    if (ocel) {
      ocel.hidden = !objectCentric;
      ocel.disabled = !objectCentric;
      // An OCEL SQLite file's types are not read here: the server names
      // them if the one given is not there.
      if (objectCentric && /\.sqlite3?(\.gz)?$/i.test(file.name)) {
        offerObjectTypes("");
      } else if (objectCentric) {
        try {
          offerObjectTypes(new TextDecoder().decode(await readSample(file)));
        } catch {
          offerObjectTypes("");
        }
      }
    }
    if (!tabular) return;
    name = file.name;
    try {
      sample = await readSample(file);
    } catch {
      sample = null;
      say(summary, "The file cannot be read as gzip: its first rows cannot be shown.", true);
      return;
    }
    say(summary, "Reading the first rows…");
    const first = await check(false);
    if (!first) return;
    // The detected delimiter, and the columns remembered from the last
    // upload where this file has them.
    delimiter.value = first.delimiter === "\t" ? "\\t" : first.delimiter;
    offer(first.columns);
    for (const p of pickers) if (first.columns.includes(p.dataset.remembered)) p.value = p.dataset.remembered;
    const p = await check(true);
    if (p) render(p);
  });
  const recheck = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!sample) return;
      let p = await check(true);
      if (!p) return;
      // Another delimiter, other columns: offer them and ask again.
      if (p.columns.join("\n") !== [...pickers[0].options].slice(1).map((o) => o.value).join("\n")) {
        offer(p.columns);
        if (!(p = await check(true))) return;
      }
      render(p);
    }, 250);
  };
  mapping.addEventListener("change", recheck);
  format.addEventListener("input", recheck);
}

// Recording bundle upload: the zip itself is the body.
const bundleForm = document.getElementById("bundle-upload");
if (bundleForm) {
  bundleForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const status = document.getElementById("bundle-status");
    const file = document.getElementById("bundle").files[0];
    say(status, "Uploading…");
    const resp = await fetch(bundleForm.dataset.action, { method: "POST", headers: { "Content-Type": "application/zip" }, body: file });
    if (resp.ok) { location.reload(); return; }
    say(status, await message(resp), true);
  });
}

// The step editor: save a step's texts, delete its screenshot, the step,
// or the whole recording. Each is a call to the API, then a reload.
const steps = document.getElementById("steps");
const editorStatus = document.getElementById("editor-status");
if (steps && editorStatus) {
  const call = async (method, url, body, done) => {
    const resp = await fetch(url, { method, headers: body ? { "Content-Type": "application/json" } : {}, body: body && JSON.stringify(body) });
    if (resp.ok) { sessionStorage.setItem("procmine-status", done); location.reload(); return; }
    say(editorStatus, await message(resp), true);
  };
  const done = sessionStorage.getItem("procmine-status");
  if (done) { say(editorStatus, done); sessionStorage.removeItem("procmine-status"); }
  for (const card of steps.querySelectorAll("[data-step]")) {
    const url = card.dataset.step;
    const form = card.querySelector("form.step-edit");
    if (form) {
      form.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const f = new FormData(form);
        call("PATCH", url, { name: f.get("name"), description: f.get("description"), input: f.get("input") }, "Step saved.");
      });
      form.querySelector(".delete-step").addEventListener("click", () => {
        if (confirm("Delete this step and its screenshot?")) call("DELETE", url, null, "Step deleted.");
      });
    }
    const shot = card.querySelector(".delete-shot");
    if (shot) shot.addEventListener("click", () => {
      if (confirm("Delete this screenshot? Its bytes are erased.")) call("DELETE", url + "/screenshot", null, "Screenshot deleted.");
    });
  }
  const del = document.getElementById("delete-recording");
  if (del) del.addEventListener("click", async () => {
    if (!confirm("Delete the whole recording?")) return;
    const resp = await fetch(del.dataset.action, { method: "DELETE" });
    if (resp.ok) { location.href = del.dataset.back; return; }
    say(editorStatus, await message(resp), true);
  });
}

// The privacy page: the policy, and the right to erasure.
const policy = document.getElementById("policy");
if (policy) {
  policy.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(policy);
    const actions = {};
    for (const [k, v] of f.entries()) if (k !== "names" && k !== "min_group_size") actions[k] = v;
    const names = f.get("names").split("\n").map((n) => n.trim()).filter(Boolean);
    const min_group_size = Number(f.get("min_group_size"));
    const resp = await fetch(policy.dataset.action, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ actions, names, min_group_size }) });
    say(document.getElementById("policy-status"), await message(resp, "Policy saved: it applies to what is imported from now on."), !resp.ok);
  });
}
const erasure = document.getElementById("erasure");
if (erasure) {
  erasure.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const names = new FormData(erasure).get("names").split("\n").map((n) => n.trim()).filter(Boolean);
    if (!confirm(`Erase ${names.length} name(s) from the whole environment? This cannot be undone.`)) return;
    const resp = await fetch(erasure.dataset.action, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ names }) });
    const status = document.getElementById("erasure-status");
    if (!resp.ok) { say(status, await message(resp), true); return; }
    const r = await resp.json();
    say(status, `Erased: ${r.events_with_the_person_as_resource} events and ${r.attribute_values_changed} attribute values in ${r.event_log_versions_changed} log versions; ${r.recordings_unlinked_from_their_recorder} recordings unlinked; ${r.recording_steps_changed} steps; ${r.audit_entries_changed} audit entries.`);
  });
}

// Conditional access: a new policy for everyone (the server refuses one
// that would lock its author out).
const policyForm = document.getElementById("policy-form");
if (policyForm) {
  policyForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = new FormData(policyForm);
    const ranges = (f.get("ip_ranges") || "").split(",").map((r) => r.trim()).filter(Boolean);
    const body = {
      name: f.get("name"), state: f.get("state"), apps: f.getAll("apps"), grant: f.get("grant"),
      include: { all: true },
      ip_ranges: ranges, ip_ranges_except: f.get("ip_ranges_except") === "on",
    };
    const resp = await fetch(policyForm.dataset.action, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (resp.ok) { location.reload(); return; }
    say(document.getElementById("policy-form-status"), await message(resp), true);
  });
}

// Account: set up an authenticator app.
const mfaStart = document.getElementById("mfa-start");
if (mfaStart) {
  const status = document.getElementById("mfa-status");
  mfaStart.addEventListener("click", async () => {
    // A session older than ten minutes sends the password again.
    const password = document.getElementById("mfa-password").value;
    const resp = await fetch("/api/v1/me/totp", password
      ? { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ password }) }
      : { method: "POST" });
    if (!resp.ok) { say(status, await message(resp), true); return; }
    const key = await resp.json();
    document.getElementById("mfa-qr").src = key.qr;
    document.getElementById("mfa-secret").textContent = key.secret;
    document.getElementById("mfa-enrol").hidden = false;
    mfaStart.hidden = true;
    document.getElementById("mfa-code").focus();
  });
  document.getElementById("mfa-confirm").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = document.getElementById("mfa-code").value.trim();
    const resp = await fetch("/api/v1/me/totp/confirm", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code, password: document.getElementById("mfa-password").value }) });
    if (!resp.ok) { say(status, await message(resp), true); return; }
    const list = document.getElementById("mfa-codes");
    for (const c of (await resp.json()).recovery_codes) {
      const li = document.createElement("li");
      li.textContent = c;
      list.append(li);
    }
    document.getElementById("mfa-enrol").hidden = true;
    document.getElementById("mfa-off").hidden = true;
    document.getElementById("mfa-recovery").hidden = false;
    say(status, "The authenticator app is set up.");
  });
}

// The reference model: the file itself is the body, named in the query.
const reference = document.getElementById("reference-upload");
if (reference) {
  const status = document.getElementById("reference-status");
  reference.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("reference-file").files[0];
    say(status, "Uploading…");
    const resp = await fetch(`${reference.dataset.action}?name=${encodeURIComponent(file.name)}`, { method: "PUT", headers: { "Content-Type": "application/xml" }, body: file });
    if (resp.ok) { location.reload(); return; }
    say(status, await message(resp), true);
  });
  const del = document.getElementById("reference-delete");
  if (del) del.addEventListener("click", async () => {
    const resp = await fetch(reference.dataset.action, { method: "DELETE" });
    if (resp.ok) { location.assign(location.pathname); return; }
    say(status, await message(resp), true);
  });
}

// Optimal alignments run as a job (POST …/conformance/alignments): its
// progress is shown while it runs, and the page then shows its result
// (?job=). Without scripts the link computes them within the request.
const alignLink = document.getElementById("use-alignments");
if (alignLink && alignLink.dataset.jobs) {
  alignLink.addEventListener("click", async (ev) => {
    ev.preventDefault();
    const box = document.getElementById("align-job");
    const bar = document.getElementById("align-progress");
    const status = document.getElementById("align-status");
    box.hidden = false;
    say(status, "Starting the alignments…");
    let resp = await fetch(alignLink.dataset.jobs, { method: "POST" });
    if (!resp.ok) { say(status, await message(resp), true); return; }
    let job = await resp.json();
    while (job.state === "queued" || job.state === "running") {
      bar.value = job.progress;
      bar.textContent = `${Math.round(100 * job.progress)}%`;
      say(status, job.state === "queued" ? "Waiting for a worker…" : `Aligning: ${Math.round(100 * job.progress)}%`);
      await new Promise((done) => setTimeout(done, 500));
      resp = await fetch(`/api/v1/jobs/${job.id}`);
      if (!resp.ok) { say(status, await message(resp), true); return; }
      job = await resp.json();
    }
    if (job.state !== "done") { say(status, `The alignments failed: ${job.error}`, true); return; }
    bar.value = 1;
    say(status, "Done.");
    location.assign(`${alignLink.href}&job=${job.id}`);
  });
}

// The working calendar: the file itself is the body; the API reads JSON
// and iCalendar alike.
const calendarForm = document.getElementById("calendar-upload");
if (calendarForm) {
  const status = document.getElementById("calendar-status");
  calendarForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("calendar-file").files[0];
    say(status, "Uploading…");
    const resp = await fetch(calendarForm.dataset.action, { method: "PUT", headers: { "Content-Type": file.name.endsWith(".ics") ? "text/calendar" : "application/json" }, body: file });
    if (resp.ok) { location.reload(); return; }
    say(status, await message(resp), true);
  });
  const del = document.getElementById("calendar-delete");
  if (del) del.addEventListener("click", async () => {
    const resp = await fetch(calendarForm.dataset.action, { method: "DELETE" });
    if (resp.ok) { location.reload(); return; }
    say(status, await message(resp), true);
  });
}

// The calendar written in the form: the API checks it as it checks a
// file, and says which field is wrong.
const calendarEdit = document.getElementById("calendar-edit");
if (calendarEdit) {
  const status = document.getElementById("calendar-edit-status");
  const list = (id) => document.getElementById(id).value.split(",").map((v) => v.trim()).filter((v) => v !== "");
  calendarEdit.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const week = {};
    for (const input of calendarEdit.querySelectorAll(".cal-day")) {
      const shifts = input.value.split(",").map((v) => v.trim()).filter((v) => v !== "");
      if (shifts.length > 0) week[input.dataset.day] = shifts;
    }
    const body = { time_zone: document.getElementById("cal-zone").value.trim(), week, holidays: list("cal-holidays"),
      annual_holidays: list("cal-annual"), exceptions: JSON.parse(calendarEdit.dataset.exceptions || "{}") };
    say(status, "Saving…");
    const resp = await fetch(calendarEdit.dataset.action, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (resp.ok) { location.reload(); return; }
    say(status, await message(resp), true);
  });
}

// Administration: members, roles, teams, business units (the
// administration page), conditional access policies and personal access
// tokens. Each form is one call to the API, which decides; a success
// reloads the page with a note, a refusal shows the API's message beside
// the form.
const adminStatus = document.getElementById("admin-status") || document.getElementById("policies-status") || document.getElementById("views-status");
if (adminStatus) {
  const done = sessionStorage.getItem("procmine-admin-status");
  if (done) { say(adminStatus, done); sessionStorage.removeItem("procmine-admin-status"); }
}
// statusOf is the status line beside el, made the first time.
const statusOf = (el) => {
  let s = el.nextElementSibling;
  if (!s || !s.classList.contains("form-status")) {
    s = document.createElement("p");
    s.className = "form-status";
    el.after(s);
  }
  return s;
};
// apiCall sends a JSON body (or none) and reloads with done on success.
const apiCall = async (el, method, url, body, done) => {
  const init = { method };
  if (body !== undefined) { init.headers = { "Content-Type": "application/json" }; init.body = JSON.stringify(body); }
  const resp = await fetch(url, init);
  if (resp.ok) { sessionStorage.setItem("procmine-admin-status", done); location.reload(); return; }
  say(statusOf(el), await message(resp), true);
};
// onSubmit runs f with the form's data instead of sending the form.
const onSubmit = (form, f) => form.addEventListener("submit", (ev) => { ev.preventDefault(); f(new FormData(form)); });
const forms = (sel) => document.querySelectorAll(sel);

for (const form of forms("form.member-edit")) {
  onSubmit(form, (f) => apiCall(form, "PUT", form.dataset.action, { business_unit: Number(f.get("business_unit")), roles: f.getAll("roles") }, "Member saved."));
}
const memberAdd = document.getElementById("member-add");
if (memberAdd) {
  onSubmit(memberAdd, (f) => apiCall(memberAdd, "PUT", memberAdd.dataset.base + encodeURIComponent(f.get("user")),
    { business_unit: Number(f.get("business_unit")), roles: f.getAll("roles") }, "Member added."));
}
for (const b of forms("button.member-remove")) {
  b.addEventListener("click", () => {
    if (confirm(`Remove ${b.dataset.name} from the environment? They leave its teams too.`)) apiCall(b, "DELETE", b.dataset.action, undefined, "Member removed.");
  });
}
for (const form of forms("form.role-edit")) {
  onSubmit(form, (f) => {
    // The grid as the API takes it: {table: {operation: depth}}, nones left out.
    const privileges = {};
    for (const [key, depth] of f.entries()) {
      if (depth === "none") continue;
      const [table, op] = key.split(".");
      (privileges[table] ||= {})[op] = depth;
    }
    apiCall(form, "PATCH", form.dataset.base + encodeURIComponent(form.dataset.role), { privileges }, `Role ${form.dataset.role} saved.`);
  });
}
const roleCreate = document.getElementById("role-create");
if (roleCreate) onSubmit(roleCreate, (f) => apiCall(roleCreate, "POST", roleCreate.dataset.action, { name: f.get("name"), privileges: {} }, `Role ${f.get("name")} created: open it to set its privileges.`));
const teamCreate = document.getElementById("team-create");
if (teamCreate) onSubmit(teamCreate, (f) => apiCall(teamCreate, "POST", teamCreate.dataset.action, { name: f.get("name"), kind: f.get("kind"), business_unit: Number(f.get("business_unit")) }, `Team ${f.get("name")} created.`));
for (const form of forms("form.team-roles")) onSubmit(form, (f) => apiCall(form, "PUT", form.dataset.action, { roles: f.getAll("roles") }, "Team roles saved."));
for (const form of forms("form.team-member-add")) onSubmit(form, (f) => apiCall(form, "PUT", form.dataset.base + encodeURIComponent(f.get("user")), undefined, "Team member added."));
for (const b of forms("button.team-member-remove")) b.addEventListener("click", () => apiCall(b, "DELETE", b.dataset.action, undefined, "Team member removed."));
const unitCreate = document.getElementById("unit-create");
if (unitCreate) onSubmit(unitCreate, (f) => apiCall(unitCreate, "POST", unitCreate.dataset.action, { name: f.get("name"), parent: Number(f.get("parent")) }, `Business unit ${f.get("name")} created.`));

// Conditional access: edit a policy as JSON, delete one, ask what if.
for (const form of forms("form.policy-edit")) {
  onSubmit(form, (f) => {
    let body;
    try { body = JSON.parse(f.get("policy")); } catch (e) { say(statusOf(form), `This is not JSON: ${e.message}`, true); return; }
    apiCall(form, "PUT", form.dataset.action, body, "Policy saved.");
  });
}
// The same, field by field: the form's fields as the API's body.
const commaList = (v) => (v || "").split(",").map((x) => x.trim()).filter((x) => x);
for (const form of forms("form.policy-fields")) {
  onSubmit(form, (f) => {
    const ids = (name) => f.getAll(name).map(Number);
    apiCall(form, "PUT", form.dataset.action, {
      name: f.get("name"), state: f.get("state"), apps: f.getAll("apps"), grant: f.get("grant"),
      include: { all: f.get("include_all") === "on", users: ids("include_users"), teams: ids("include_teams") },
      exclude: { users: ids("exclude_users"), teams: ids("exclude_teams") },
      ip_ranges: commaList(f.get("ip_ranges")), ip_range_names: commaList(f.get("ip_range_names")),
      ip_ranges_except: f.get("ip_ranges_except") === "on",
    }, "Policy saved.");
  });
}
for (const b of forms("button.policy-delete")) {
  b.addEventListener("click", () => {
    if (confirm(`Delete the policy ${b.dataset.name}? It stops applying at once.`)) apiCall(b, "DELETE", b.dataset.action, undefined, `Policy ${b.dataset.name} deleted.`);
  });
}
const whatIf = document.getElementById("what-if");
if (whatIf) {
  const out = document.getElementById("what-if-result");
  onSubmit(whatIf, async (f) => {
    const resp = await fetch(whatIf.dataset.action, { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ user: Number(f.get("user")), app: f.get("app"), ip: f.get("ip"), mfa: f.get("mfa") === "on" }) });
    out.replaceChildren();
    if (!resp.ok) { say(out, await message(resp), true); return; }
    const d = await resp.json();
    const head = document.createElement("p");
    head.append(d.allowed ? (d.need_mfa ? "Allowed with a second factor." : "Allowed.") : "Refused.");
    const list = document.createElement("ul");
    for (const m of d.matches) {
      const li = document.createElement("li");
      li.textContent = `${m.name} (${m.state}, ${m.grant}${m.enforced ? "" : ", not enforced"}): ${m.why}`;
      list.append(li);
    }
    if (!d.matches.length) head.append(" No policy applies.");
    out.append(head, list);
    out.setAttribute("role", "status");
  });
}

// Personal access tokens: made here, shown once, revoked from the list
// or by number.
const tokenCreate = document.getElementById("token-create");
if (tokenCreate) {
  const status = document.getElementById("token-status");
  const rows = document.querySelector("#token-list tbody");
  const revoke = async (id, row) => {
    const resp = await fetch(`/api/v1/tokens/${encodeURIComponent(id)}`, { method: "DELETE" });
    if (!resp.ok) { say(status, await message(resp), true); return; }
    if (row) row.querySelector(".revoked").replaceChildren("revoked");
    say(status, `Token ${id} revoked.`);
  };
  onSubmit(tokenCreate, async (f) => {
    const body = { name: f.get("name"), expires_in_days: Number(f.get("expires_in_days")) };
    if (f.get("password")) body.password = f.get("password");
    const resp = await fetch("/api/v1/tokens", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    if (!resp.ok) { say(status, await message(resp), true); return; }
    const t = await resp.json();
    document.getElementById("token-password").value = "";
    document.getElementById("token-value").textContent = t.token;
    document.getElementById("token-new").hidden = false;
    const row = document.createElement("tr");
    row.dataset.token = t.id;
    for (const v of [String(t.id), t.name, new Date(t.expires_at).toISOString().slice(0, 10)]) {
      const td = document.createElement("td");
      td.textContent = v;
      row.append(td);
    }
    const cell = document.createElement("td");
    cell.className = "revoked";
    const b = document.createElement("button");
    b.type = "button";
    b.className = "danger";
    b.textContent = `Revoke ${t.name}`;
    b.addEventListener("click", () => revoke(t.id, row));
    cell.append(b);
    row.append(cell);
    rows.append(row);
    say(status, `Token ${t.name} created (number ${t.id}).`);
  });
  document.getElementById("token-copy").addEventListener("click", async () => {
    const value = document.getElementById("token-value").textContent;
    try {
      await navigator.clipboard.writeText(value);
      say(status, "Copied.");
    } catch {
      // No clipboard (an insecure page): select it for the keyboard.
      getSelection().selectAllChildren(document.getElementById("token-value"));
      say(status, "Select and copy it: the browser did not let the page copy.");
    }
  });
  for (const b of rows.querySelectorAll("button.token-revoke")) b.addEventListener("click", () => revoke(b.dataset.id, b.closest("tr")));
  const revokeForm = document.getElementById("token-revoke");
  onSubmit(revokeForm, (f) => revoke(f.get("id"), rows.querySelector(`tr[data-token="${CSS.escape(f.get("id"))}"]`)));
}

// Saved views: the page's own query is what a view keeps; the API checks
// it with the saver's rights, and decides who is offered it.
const viewSave = document.getElementById("view-save");
if (viewSave) {
  onSubmit(viewSave, (f) => apiCall(viewSave, "POST", viewSave.dataset.action,
    { name: f.get("name"), query: location.search.slice(1), shared: f.get("shared") === "on" }, `View ${f.get("name")} saved.`));
}
for (const b of forms("button.view-delete")) {
  b.addEventListener("click", () => {
    if (confirm(`Delete the view ${b.dataset.name}?`)) apiCall(b, "DELETE", b.dataset.action, undefined, `View ${b.dataset.name} deleted.`);
  });
}

// Data sources: adding one is one call to the API; a refresh is queued,
// then the page waits for the source's last run to change and shows it.
const sourceAdd = document.getElementById("source-add");
if (sourceAdd) {
  onSubmit(sourceAdd, (f) => {
    const mapping = {};
    for (const k of ["case", "activity", "timestamp", "start", "resource"]) if (f.get(k)) mapping[k] = f.get(k);
    const body = { name: f.get("name"), kind: f.get("kind"), connection: f.get("connection"), query: f.get("query"), mapping,
      watermark_column: f.get("watermark_column"), schedule: f.get("schedule") };
    apiCall(sourceAdd, "POST", sourceAdd.dataset.action, body, `Source ${body.name} added: refresh it to read its rows.`);
  });
}
const sourcesStatus = document.getElementById("sources-status");
if (sourcesStatus) {
  const done = sessionStorage.getItem("procmine-admin-status");
  if (done) { say(sourcesStatus, done); sessionStorage.removeItem("procmine-admin-status"); }
}
for (const b of forms("button.source-refresh")) {
  b.addEventListener("click", async () => {
    const before = await (await fetch(b.dataset.action)).json();
    const resp = await fetch(`${b.dataset.action}/refresh`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ full: b.dataset.full === "true" }) });
    if (!resp.ok) { say(sourcesStatus, await message(resp), true); return; }
    const queued = await resp.json();
    say(sourcesStatus, queued.queued ? "Refreshing…" : queued.message);
    for (let i = 0; i < 600; i++) {
      await new Promise((ok) => setTimeout(ok, 500));
      const now = await (await fetch(b.dataset.action)).json();
      if (now.last_run_at !== before.last_run_at) {
        sessionStorage.setItem("procmine-admin-status", now.last_error ? `The refresh failed: ${now.last_error}` : `Refreshed: ${now.last_rows.toLocaleString("en-US")} new ${now.last_rows === 1 ? "row" : "rows"}.`);
        location.reload();
        return;
      }
    }
    say(sourcesStatus, "The refresh is still running: reload the page later.");
  });
}
for (const b of forms("button.source-delete")) {
  b.addEventListener("click", () => {
    if (confirm(`Delete the source ${b.dataset.name}? The versions it made stay.`)) apiCall(b, "DELETE", b.dataset.action, undefined, "Source deleted.");
  });
}
