// Relais editor: keyboard-first post-editing of one job.
// Plain JavaScript, no dependencies. Data comes from <script type="application/json" id="job-data">;
// the DOM is only ever filled with textContent (never innerHTML), so article text stays inert.
"use strict";

(function () {
  const dataEl = document.getElementById("job-data");
  if (!dataEl) return;
  const data = JSON.parse(dataEl.textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  const jobId = data.job.id;
  const editable = Boolean(data.editable);
  const IDLE_GAP_MS = 30000; // pauses longer than this are not editing time
  const AUTOSAVE_MS = 1200;

  const globalState = document.getElementById("save-state");
  const segments = [];
  const byId = new Map();
  let current = null;
  // The update of a story: its changed and added segments come first (Ctrl+Enter, the
  // list at the top); the filter shows them alone.  Empty for any other job.
  const toReview = new Set(data.update ? data.update.to_review : []);
  const onlyChanged = document.getElementById("only-changed");
  const navLinks = new Map();
  document.querySelectorAll("a[data-goto]").forEach((a) => navLinks.set(Number(a.dataset.goto), a));

  // ------------------------------------------------------------------ state

  document.querySelectorAll(".segment[data-segment-id]").forEach((el) => {
    const id = Number(el.dataset.segmentId);
    const d = data.segments[String(id)];
    const st = {
      id, el, d,
      ta: el.querySelector("textarea"),
      backdrop: el.querySelector(".backdrop"),
      list: el.querySelector(".findings"),
      state: el.querySelector(".seg-state"),
      versionEl: el.querySelector(".version"),
      confirmationEl: el.querySelector(".confirmation"),
      conflictEl: el.querySelector(".conflict"),
      version: d.version,
      saved: d.text,
      findings: d.findings,
      history: d.history.slice(), // text of each version, index = version (0: machine draft)
      undoPtr: null, // while undoing: the version whose text was restored last
      findingIdx: -1,
      active: 0, // seconds of editing not yet sent
      lastKey: 0,
      timer: null,
      inflight: null,
      again: false,
      conflict: null,
      error: null,
      retries: 0, // saves in a row that failed for a passing reason
      screenSeconds: 0, // how long it had the focus before (seconds)
      focusedAt: 0, // when it took the focus (ms), 0 while it has not
    };
    segments.push(st);
    byId.set(id, st);
  });

  const norm = (t) => t.replace(/\r\n/g, "\n").trim();
  const dirty = (st) => norm(st.ta.value) !== norm(st.saved);

  function setSegState(st, state, message) {
    st.state.dataset.state = state;
    st.state.textContent = state === "error" ? message || "not saved" : "";
    updateGlobal();
  }

  function updateGlobal() {
    let state = "saved";
    let label = "all saved";
    for (const st of segments) {
      if (st.conflict) { state = "conflict"; label = "conflict: choose a text"; break; }
      if (st.error) { state = "error"; label = "not saved: " + st.error; }
      else if (state !== "error" && st.inflight) { state = "saving"; label = "saving…"; }
      else if (state === "saved" && dirty(st)) { state = "unsaved"; label = "unsaved changes"; }
    }
    globalState.dataset.state = state;
    globalState.textContent = label;
  }

  // ------------------------------------------------------------------ rendering

  function renderBackdrop(st) {
    const text = st.ta.value;
    const bd = st.backdrop;
    bd.textContent = "";
    const spans = dirty(st) ? [] : st.findings
      .map((f, i) => ({ f, i }))
      .filter(({ f }) => f.end > f.start && f.end <= text.length)
      .sort((a, b) => a.f.start - b.f.start);
    let pos = 0;
    for (const { f, i } of spans) {
      if (f.start < pos) continue; // overlapping: the first one wins
      bd.appendChild(document.createTextNode(text.slice(pos, f.start)));
      const mark = document.createElement("mark");
      mark.className = "sev-" + f.severity + (i === st.findingIdx ? " current" : "");
      mark.textContent = text.slice(f.start, f.end);
      bd.appendChild(mark);
      pos = f.end;
    }
    bd.appendChild(document.createTextNode(text.slice(pos) + "\n"));
  }

  function renderFindings(st) {
    const ul = st.list;
    ul.textContent = "";
    st.findings.forEach((f, i) => {
      const li = document.createElement("li");
      li.className = "finding sev-" + f.severity + (i === st.findingIdx ? " current" : "");
      li.dataset.index = String(i);
      const sev = document.createElement("span");
      sev.className = "sev sev-" + f.severity;
      sev.textContent = f.severity;
      const check = document.createElement("code");
      check.className = "check";
      check.textContent = f.check;
      li.append(sev, " ", check, " ");
      if (f.text) {
        const q = document.createElement("q");
        q.className = "span";
        q.textContent = f.text;
        li.append(q, " ");
      }
      const msg = document.createElement("span");
      msg.className = "message";
      msg.textContent = f.message;
      li.append(msg);
      if (f.suggestion) {
        const sug = document.createElement("span");
        sug.className = f.replaceable ? "suggestion" : "suggestion advice";
        if (f.replaceable) {
          const kbd = document.createElement("kbd");
          kbd.textContent = f.suggestion;
          sug.append("→ ", kbd);
        } else {
          sug.append("→ " + f.suggestion);
        }
        li.append(" ", sug);
        if (f.replaceable && editable) {
          const b = document.createElement("button");
          b.type = "button";
          b.className = "accept";
          b.title = "Alt+Enter";
          b.textContent = "accept";
          b.addEventListener("click", () => { st.findingIdx = i; acceptSuggestion(st); });
          li.append(b);
        }
      }
      ul.appendChild(li);
    });
  }

  function renderMeta(st) {
    st.versionEl.textContent = "v" + st.version;
    st.confirmationEl.textContent = st.d.confirmed_by ? "✓ confirmed by " + st.d.confirmed_by : "";
    st.el.classList.toggle("confirmed", Boolean(st.d.confirmed_by));
    const link = navLinks.get(st.id);
    if (link) link.classList.toggle("done", Boolean(st.d.confirmed_by));
  }

  function autosize(st) {
    st.ta.style.height = "auto";
    st.ta.style.height = st.ta.scrollHeight + 2 + "px";
  }

  function render(st) {
    renderBackdrop(st);
    renderFindings(st);
    renderMeta(st);
  }

  function apply(st, seg) {
    st.d = seg;
    st.version = seg.version;
    st.saved = seg.text;
    st.history[seg.version] = seg.text;
    st.findings = seg.findings;
    st.findingIdx = -1;
    render(st);
  }

  // ------------------------------------------------------------------ server

  async function call(method, url, body) {
    const r = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let json = {};
    try { json = await r.json(); } catch (e) { /* empty body */ }
    return { status: r.status, ok: r.ok, json };
  }

  function detail(json) {
    if (typeof json.detail === "string") return json.detail;
    if (Array.isArray(json.detail)) return json.detail.map((e) => e.msg).join("; ");
    return "the server refused the change";
  }

  // Save the textarea (or opts.text) on top of the version we know.  Resolves when done.
  function save(st, opts) {
    opts = opts || {};
    clearTimeout(st.timer);
    if (!editable || st.conflict) return Promise.resolve(false);
    if (st.inflight) { st.again = true; return st.inflight; }
    const text = opts.text !== undefined ? opts.text : st.ta.value;
    if (!opts.force && norm(text) === norm(st.saved)) { updateGlobal(); return Promise.resolve(true); }
    const seconds = Math.round(st.active * 10) / 10;
    st.active = 0;
    st.error = null;
    setSegState(st, "saving");
    const body = { text, base_version: st.version, active_seconds: seconds };
    st.inflight = call("PUT", `/api/v1/jobs/${jobId}/segments/${st.id}`, body).then((r) => {
      st.inflight = null;
      if (r.ok) {
        if (!opts.undo) st.undoPtr = null;
        apply(st, r.json);
        setSegState(st, dirty(st) ? "unsaved" : "saved-now");
        refreshBlockers();
        return true;
      }
      st.active += seconds; // not counted yet: it goes with the next save
      if (r.status === 409 && r.json.conflict) { showConflict(st, r.json.conflict); return false; }
      if (TRANSIENT.has(r.status)) { retryLater(st, opts, "the server is busy"); return false; }
      if (r.status === 401) { st.error = "signed out: sign in again in another tab"; }
      else { st.error = detail(r.json); }
      setSegState(st, "error", st.error);
      return false;
    }, () => {
      st.inflight = null;
      st.active += seconds;
      retryLater(st, opts, "the server cannot be reached");
      return false;
    }).then((ok) => {
      if (ok) st.retries = 0;
      if (st.again) { st.again = false; if (ok && dirty(st)) return save(st); }
      return ok;
    });
    updateGlobal();
    return st.inflight;
  }

  // A save that failed for a passing reason (the network, a busy or restarting server)
  // is sent again by itself, later and later (up to RETRY_MAX_MS apart), for as long as
  // the text differs from what the server has; the segment says "not saved" meanwhile.
  const TRANSIENT = new Set([0, 408, 425, 429, 500, 502, 503, 504]);
  const RETRY_FIRST_MS = 500;
  const RETRY_MAX_MS = 15000;

  function retryLater(st, opts, why) {
    st.retries = (st.retries || 0) + 1;
    const wait = Math.min(RETRY_FIRST_MS * 2 ** (st.retries - 1), RETRY_MAX_MS);
    st.error = why + ": not saved yet, trying again in " + Math.ceil(wait / 1000) + " s";
    setSegState(st, "error", st.error);
    clearTimeout(st.timer);
    st.timer = setTimeout(() => {
      if (st.conflict) return;
      if (opts.force || opts.text !== undefined || dirty(st)) save(st, opts);
      else { st.error = null; setSegState(st, "saved-now"); }
    }, wait);
  }
  window.addEventListener("online", () => {
    for (const st of segments) if (st.error && !st.inflight && dirty(st)) save(st);
  });

  function scheduleSave(st) {
    clearTimeout(st.timer);
    st.timer = setTimeout(() => save(st), AUTOSAVE_MS);
  }

  function showConflict(st, c) {
    st.conflict = c;
    st.conflictEl.hidden = false;
    st.conflictEl.querySelector(".their-version").textContent = "version " + c.version;
    st.conflictEl.querySelector(".theirs").textContent = c.text;
    st.conflictEl.querySelector(".yours").textContent = c.yours;
    setSegState(st, "conflict");
    st.conflictEl.querySelector(".keep-mine").focus();
  }

  function resolveConflict(st, keepMine) {
    const c = st.conflict;
    if (!c) return;
    st.conflict = null;
    st.conflictEl.hidden = true;
    st.version = c.version;
    st.saved = c.text;
    st.history[c.version] = c.text;
    st.ta.value = keepMine ? c.yours : c.text;
    autosize(st);
    st.ta.focus();
    // Saved on top of their version (keeping theirs saves nothing new but fetches its findings).
    save(st, { force: true });
  }

  // Confirm the segment's current text (saving it first if it changed), then move to
  // the next segment nobody has confirmed yet.  The seconds it was on screen go along.
  async function confirmSegment(st) {
    if (!editable) return;
    if (dirty(st) || st.inflight) {
      const ok = await save(st);
      if (!ok) return;
    }
    setSegState(st, "saving");
    const body = { version: st.version, seconds: Math.round(onScreen(st) * 10) / 10 };
    const r = await call("POST", `/api/v1/jobs/${jobId}/segments/${st.id}/confirm`, body);
    if (r.ok) {
      apply(st, r.json);
      setSegState(st, "saved-now");
      refreshBlockers();
      const next = nextUnconfirmed(st);
      if (next) { focusSegment(next); next.ta.setSelectionRange(0, 0); }
    } else if (r.status === 409 && r.json.conflict) {
      st.error = "changed by someone else (now version " + r.json.conflict.version + "): reload the page";
      setSegState(st, "error", st.error);
    } else {
      st.error = detail(r.json);
      setSegState(st, "error", st.error);
    }
  }

  // The next segment after st (in reading order, round to the top) nobody has confirmed;
  // in an update, a changed or added one while there is one left.
  function nextUnconfirmed(st) {
    const i = segments.indexOf(st);
    const passes = toReview.size ? [(o) => toReview.has(o.id), () => true] : [() => true];
    for (const wanted of passes) {
      for (let k = 1; k <= segments.length; k++) {
        const other = segments[(i + k) % segments.length];
        if (!other.d.confirmed_by && wanted(other)) return other;
      }
    }
    return null;
  }

  // Time on screen: while the segment has the focus and the page is visible.
  function onScreen(st) {
    return st.screenSeconds + (st.focusedAt ? (Date.now() - st.focusedAt) / 1000 : 0);
  }

  async function undo(st) {
    if (!editable) return;
    if (dirty(st)) { const ok = await save(st); if (!ok) return; }
    let ptr = (st.undoPtr === null ? st.version : st.undoPtr) - 1;
    while (ptr >= 0 && st.history[ptr] === undefined) ptr -= 1;
    if (ptr < 0) { setSegState(st, "error", "nothing to undo"); return; }
    st.undoPtr = ptr;
    st.ta.value = st.history[ptr];
    autosize(st);
    save(st, { undo: true });
  }

  let blockersTimer = null;
  function refreshBlockers() {
    clearTimeout(blockersTimer);
    blockersTimer = setTimeout(async () => {
      const r = await call("GET", `/api/v1/jobs/${jobId}/review`);
      if (!r.ok) return;
      const ul = document.getElementById("blockers");
      const ready = document.getElementById("ready");
      const btn = document.getElementById("approve-article");
      const count = document.getElementById("count-confirmed");
      if (count) count.textContent = String(r.json.counts.confirmed);
      if (!ul) return;
      ul.textContent = "";
      for (const b of r.json.blockers) {
        const li = document.createElement("li");
        li.textContent = b;
        ul.appendChild(li);
      }
      ul.hidden = r.json.blockers.length === 0;
      if (ready) ready.hidden = r.json.blockers.length !== 0;
      if (btn) btn.disabled = r.json.blockers.length !== 0;
    }, 150);
  }

  // ------------------------------------------------------------------ findings

  function selectFinding(st, i) {
    st.findingIdx = i;
    const f = st.findings[i];
    focusSegment(st, false);
    if (f && !dirty(st)) st.ta.setSelectionRange(f.start, f.end);
    renderBackdrop(st);
    renderFindings(st);
  }

  function nextFinding() {
    const start = current ? segments.indexOf(current) : 0;
    for (let k = 0; k <= segments.length; k++) {
      const st = segments[(start + k) % segments.length];
      const from = k === 0 ? st.findingIdx + 1 : 0;
      if (from < st.findings.length) { selectFinding(st, from); return; }
    }
  }

  function acceptSuggestion(st) {
    if (!editable || !st) return;
    let i = st.findingIdx;
    if (i < 0 || !st.findings[i] || !st.findings[i].replaceable) i = st.findings.findIndex((f) => f.replaceable);
    const f = st.findings[i];
    if (!f) { setSegState(st, "error", "no suggestion to accept here"); return; }
    let text = st.ta.value;
    let start = f.start;
    if (text.slice(f.start, f.end) !== f.text) {
      start = text.indexOf(f.text); // the person typed since: find the words again
      if (start < 0) { setSegState(st, "error", "the words of that finding have changed"); return; }
    }
    text = text.slice(0, start) + f.suggestion + text.slice(start + (f.end - f.start));
    st.ta.value = text;
    autosize(st);
    st.ta.focus();
    st.ta.setSelectionRange(start + f.suggestion.length, start + f.suggestion.length);
    save(st);
  }

  // ------------------------------------------------------------------ folding and the filter

  const filtered = (st) => Boolean(onlyChanged && onlyChanged.checked) && !toReview.has(st.id);
  const folded = (st) => Boolean(st.el.closest("details:not([open])"));
  const shown = (st) => !filtered(st) && !folded(st);

  function applyFilter() {
    document.body.classList.toggle("only-changed", Boolean(onlyChanged && onlyChanged.checked));
  }

  // Make a segment visible before it takes the focus: unfold it, or show everything if
  // the filter hides it.
  function reveal(st) {
    const fold = st.el.closest("details");
    if (fold && !fold.open) { fold.open = true; autosize(st); }
    if (filtered(st)) { onlyChanged.checked = false; applyFilter(); }
  }

  applyFilter(); // a reload may keep the box ticked
  if (onlyChanged) {
    onlyChanged.addEventListener("change", () => {
      applyFilter();
      if (current && !shown(current)) {
        const first = segments.find((o) => toReview.has(o.id));
        if (first) focusSegment(first);
      }
    });
  }
  document.querySelectorAll("details.fold").forEach((fold) => {
    fold.addEventListener("toggle", () => {
      const st = byId.get(Number(fold.querySelector(".segment").dataset.segmentId));
      if (fold.open && st) { autosize(st); renderBackdrop(st); }
    });
  });
  navLinks.forEach((link, id) => {
    link.addEventListener("click", (e) => {
      const st = byId.get(id);
      if (!st) return;
      e.preventDefault();
      focusSegment(st);
    });
  });

  // ------------------------------------------------------------------ navigation

  function focusSegment(st, scroll) {
    reveal(st);
    if (current && current !== st) current.el.classList.remove("current");
    current = st;
    st.el.classList.add("current");
    if (document.activeElement !== st.ta) st.ta.focus({ preventScroll: true });
    if (scroll !== false) st.el.scrollIntoView({ block: "center" });
  }

  // The next (or previous) segment on screen: folded and filtered-out ones are passed over.
  function move(delta) {
    const i = current ? segments.indexOf(current) : -1;
    let j = i;
    for (let k = i + delta; k >= 0 && k < segments.length; k += delta) {
      if (shown(segments[k])) { j = k; break; }
    }
    if (j < 0) j = segments.findIndex(shown);
    if (j < 0) return;
    const st = segments[j];
    focusSegment(st);
    st.ta.setSelectionRange(0, 0);
  }

  for (const st of segments) {
    autosize(st);
    renderBackdrop(st);
    st.ta.addEventListener("focus", () => {
      if (current && current !== st) current.el.classList.remove("current");
      current = st;
      st.el.classList.add("current");
      if (!document.hidden) st.focusedAt = Date.now();
    });
    st.ta.addEventListener("blur", () => {
      if (st.focusedAt) st.screenSeconds += (Date.now() - st.focusedAt) / 1000;
      st.focusedAt = 0;
    });
    st.ta.addEventListener("keydown", () => {
      const now = Date.now();
      if (st.lastKey && now - st.lastKey <= IDLE_GAP_MS) st.active += (now - st.lastKey) / 1000;
      st.lastKey = now;
    });
    st.ta.addEventListener("input", () => {
      st.findingIdx = -1;
      autosize(st);
      renderBackdrop(st);
      setSegState(st, "unsaved");
      scheduleSave(st);
    });
    st.ta.addEventListener("blur", () => { if (dirty(st)) save(st); });
    st.ta.addEventListener("scroll", () => { st.backdrop.scrollTop = st.ta.scrollTop; });
    const confirmBtn = st.el.querySelector(".confirm-seg");
    if (confirmBtn) confirmBtn.addEventListener("click", () => confirmSegment(st));
    const undoBtn = st.el.querySelector(".undo-seg");
    if (undoBtn) undoBtn.addEventListener("click", () => undo(st));
    st.el.querySelector(".keep-theirs").addEventListener("click", () => resolveConflict(st, false));
    st.el.querySelector(".keep-mine").addEventListener("click", () => resolveConflict(st, true));
    st.list.querySelectorAll(".finding").forEach((li) => {
      const f = st.findings[Number(li.dataset.index)];
      if (f && f.replaceable && editable) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = "accept";
        b.title = "Alt+Enter";
        b.textContent = "accept";
        b.addEventListener("click", () => { st.findingIdx = Number(li.dataset.index); acceptSuggestion(st); });
        li.append(b);
      }
    });
  }
  window.addEventListener("resize", () => segments.forEach(autosize));
  document.addEventListener("visibilitychange", () => {
    const st = current;
    if (!st) return;
    if (document.hidden && st.focusedAt) { st.screenSeconds += (Date.now() - st.focusedAt) / 1000; st.focusedAt = 0; }
    else if (!document.hidden && document.activeElement === st.ta) st.focusedAt = Date.now();
  });

  document.addEventListener("keydown", (e) => {
    const st = current;
    const code = e.code;
    if (e.altKey && !e.ctrlKey && e.key === "ArrowDown") { e.preventDefault(); move(1); }
    else if (e.altKey && !e.ctrlKey && e.key === "ArrowUp") { e.preventDefault(); move(-1); }
    else if (e.altKey && !e.ctrlKey && code === "KeyN") { e.preventDefault(); nextFinding(); }
    else if (e.altKey && !e.ctrlKey && e.key === "Enter") { e.preventDefault(); if (st) acceptSuggestion(st); }
    else if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key === "Enter") { e.preventDefault(); if (st) confirmSegment(st); }
    else if (e.altKey && !e.ctrlKey && code === "KeyZ") { e.preventDefault(); if (st) undo(st); }
    else if ((e.ctrlKey || e.metaKey) && !e.altKey && code === "KeyS") { e.preventDefault(); if (st) save(st); }
    else if (e.altKey && (code === "Digit1" || code === "Digit2")) {
      const c = segments.find((s) => s.conflict);
      if (c) { e.preventDefault(); resolveConflict(c, code === "Digit2"); }
    }
  });

  window.addEventListener("beforeunload", (e) => {
    if (segments.some((st) => dirty(st) || st.inflight || st.conflict)) { e.preventDefault(); e.returnValue = ""; }
  });

  // The first segment, or in an update the first changed one nobody has confirmed.
  const first = segments.find((st) => toReview.has(st.id) && !st.d.confirmed_by) || segments[0];
  if (first && editable) focusSegment(first, false);
  updateGlobal();
})();
