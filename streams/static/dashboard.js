// fixstream dashboard: live fixes over the gateway's WebSocket, metrics polled from
// /api/metrics. Plain JavaScript, no libraries, nothing fetched from elsewhere.
"use strict";

(() => {
  const MAX_FILES = 400;        // files kept in the live list
  const MAX_REVISIONS = 12;     // fixes kept per file
  const CONTEXT_LINES = 3;      // lines around each change in the diff
  const MAX_WHOLE_LINES = 4000; // "whole file" view limit
  const POLL_MS = 1000;
  const RECENT_FIXES = 200;     // fixes asked from the gateway's history on (re)connect

  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  const query = token ? "?token=" + encodeURIComponent(token) : "";

  const state = {
    files: new Map(),       // "repo\0path" -> {repo, path, fixes: [newest first], lastAt}
    seen: new Set(),        // change ids already shown (the gateway de-duplicates too)
    selectedKey: null,
    selectedId: null,
    wholeFile: false,
    filter: "",
    repo: "*",
    changedOnly: false,
    latencyKind: "processing",
    metrics: null,
    verdicts: new Map(),    // change_id \0 rule -> {verdict, pending}
    requests: new Map(),    // request id -> {key, verdict}
    socket: null,
    retryMs: 500,
    nextId: 1,
    renderQueued: false,
    fresh: new Set(),
  };

  const $ = (id) => document.getElementById(id);

  // ---- small helpers ---------------------------------------------------------------
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") el.className = value;
      else if (name === "text") el.textContent = value;
      else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else if (name === "style") Object.assign(el.style, value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function fmtMs(ms) {
    if (ms === null || ms === undefined || !isFinite(ms)) return "–";
    if (ms < 1) return ms.toFixed(2) + " ms";
    if (ms < 10) return ms.toFixed(1) + " ms";
    if (ms < 1000) return Math.round(ms) + " ms";
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s";
    return (ms / 60000).toFixed(1) + " min";
  }
  function fmtMsParts(ms) { // [number, unit] for the big figures
    const text = fmtMs(ms);
    const cut = text.lastIndexOf(" ");
    return cut < 0 ? [text, ""] : [text.slice(0, cut), text.slice(cut + 1)];
  }
  function fmtCount(n) {
    if (n === null || n === undefined) return "–";
    if (n < 10000) return String(n);
    if (n < 1e6) return (n / 1000).toFixed(n < 1e5 ? 1 : 0) + "k";
    return (n / 1e6).toFixed(1) + "M";
  }
  function fmtRate(r) {
    if (!r) return "0";
    if (r < 10) return r.toFixed(2).replace(/\.?0+$/, "") || "0";
    if (r < 1000) return r.toFixed(1).replace(/\.0$/, "");
    return fmtCount(Math.round(r));
  }
  function fmtPct(x) { return x === null || x === undefined ? "–" : (x * 100).toFixed(x >= 0.995 || x === 0 ? 0 : 1) + "%"; }
  function ago(ms) {
    const s = Math.max(0, (Date.now() - ms) / 1000);
    if (s < 2) return "just now";
    if (s < 60) return Math.floor(s) + "s ago";
    if (s < 3600) return Math.floor(s / 60) + "m ago";
    return Math.floor(s / 3600) + "h ago";
  }
  function duration(s) {
    if (s < 60) return Math.floor(s) + "s";
    if (s < 3600) return Math.floor(s / 60) + "m";
    if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
    return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
  }
  function toast(text, kind) {
    const el = h("div", { class: "toast " + (kind || ""), text });
    $("toasts").append(el);
    setTimeout(() => el.remove(), kind === "error" ? 6000 : 2500);
  }
  function cssVar(name) { return getComputedStyle(document.documentElement).getPropertyValue(name).trim(); }
  function fileKey(repo, path) { return repo + "\u0000" + path; }
  function uniqueRules(result) {
    const counts = new Map();
    for (const a of result.applied || []) counts.set(a.rule, (counts.get(a.rule) || 0) + 1);
    return counts;
  }

  // ---- the WebSocket ----------------------------------------------------------------
  function setSocket(status, label) {
    document.body.dataset.socket = status;
    const pill = $("socket");
    pill.className = "pill " + ({ subscribed: "pill-live", offline: "pill-offline" }[status] || "pill-unknown");
    $("socket-state").textContent = label;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    let socket;
    try {
      socket = new WebSocket(scheme + location.host + "/" + query);
    } catch (err) {
      setSocket("offline", "offline");
      return reconnectLater();
    }
    state.socket = socket;
    setSocket("connecting", "connecting");
    socket.addEventListener("open", () => {
      state.retryMs = 500;
      // `recent`: the gateway first sends the last fixes from its history (marked
      // `replayed`), so a reload shows what was there; `seen` drops the ones we have.
      socket.send(JSON.stringify({ type: "subscribe", id: "dashboard", repo: "*",
                                   recent: RECENT_FIXES }));
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      onFrame(frame);
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      state.socket = null;
      setSocket("offline", event.reason ? "offline: " + event.reason : "offline");
      for (const [id, req] of state.requests) {
        state.verdicts.delete(req.key);
        state.requests.delete(id);
      }
      renderDetail();
      reconnectLater();
    });
  }

  function reconnectLater() {
    setTimeout(connect, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, 5000);
  }

  function onFrame(frame) {
    if (frame.type === "fix" && frame.result) {
      onFix(frame.result, frame.replayed === true);
    } else if (frame.type === "ack" && frame.id === "dashboard") {
      setSocket("subscribed", "live");
    } else if (frame.id && state.requests.has(frame.id)) {
      const req = state.requests.get(frame.id);
      state.requests.delete(frame.id);
      if (frame.type === "ack") {
        state.verdicts.set(req.key, { verdict: req.verdict, pending: false });
        toast((req.verdict === "accept" ? "Accepted " : "Rejected ") + req.rule, "ok");
      } else {
        state.verdicts.delete(req.key);
        toast("Feedback refused: " + (frame.message || frame.code), "error");
      }
      renderDetail();
    } else if (frame.type === "error") {
      toast("Gateway: " + (frame.message || frame.code), "error");
      if (frame.id === "dashboard") setSocket("offline", "refused");
    }
  }

  function sendFeedback(result, rule, verdict) {
    const socket = state.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      toast("Not connected to the gateway; try again in a moment", "error");
      return;
    }
    const id = "fb" + state.nextId++;
    const key = result.change_id + "\u0000" + rule;
    state.requests.set(id, { key, verdict, rule });
    state.verdicts.set(key, { verdict, pending: true });
    socket.send(JSON.stringify({
      type: "feedback", id,
      feedback: { fix_id: result.change_id, rule, verdict, repo: result.repo, path: result.path,
                  client: "fixstream-dashboard" },
    }));
    renderDetail();
  }

  // ---- fixes ------------------------------------------------------------------------
  function onFix(result, replayed) {
    if (!result.change_id || state.seen.has(result.change_id)) return;
    state.seen.add(result.change_id);
    if (state.seen.size > 20000) state.seen = new Set([...state.seen].slice(-10000));
    // A fix from the history shows when it was produced, not when this page loaded.
    result._receivedAt = replayed && result.produced_at
      ? Math.min(Date.now(), result.produced_at * 1000) : Date.now();
    result._replayed = replayed;
    const key = fileKey(result.repo, result.path);
    let file = state.files.get(key);
    if (!file) {
      file = { repo: result.repo, path: result.path, fixes: [], lastAt: 0 };
      state.files.set(key, file);
    }
    file.fixes.unshift(result);
    file.fixes.sort((a, b) => b.revision - a.revision || b._receivedAt - a._receivedAt);
    file.fixes.length = Math.min(file.fixes.length, MAX_REVISIONS);
    file.lastAt = Math.max(file.lastAt, result._receivedAt);
    if (!replayed) state.fresh.add(key);
    if (state.files.size > MAX_FILES) {
      const oldest = [...state.files.entries()].sort((a, b) => a[1].lastAt - b[1].lastAt);
      for (const [k] of oldest.slice(0, state.files.size - MAX_FILES)) {
        if (k !== state.selectedKey) state.files.delete(k);
      }
    }
    if (state.selectedKey === null) {
      state.selectedKey = key;
      state.selectedId = result.change_id;
    } else if (state.selectedKey === key && state.selectedId === file.fixes[1]?.change_id) {
      state.selectedId = file.fixes[0].change_id; // follow the newest revision of the open file
    }
    scheduleRender(true);
  }

  function scheduleRender(detailToo) {
    state.detailDirty = state.detailDirty || detailToo;
    if (state.renderQueued) return;
    state.renderQueued = true;
    requestAnimationFrame(() => {
      state.renderQueued = false;
      renderList();
      if (state.detailDirty) { state.detailDirty = false; renderDetail(); }
    });
  }

  function visibleFiles() {
    const needle = state.filter.toLowerCase();
    const out = [];
    for (const [key, file] of state.files) {
      if (state.repo !== "*" && file.repo !== state.repo) continue;
      if (needle && !(file.repo + "/" + file.path).toLowerCase().includes(needle)) continue;
      if (state.changedOnly && !file.fixes.some((f) => (f.edits || []).length)) continue;
      out.push([key, file]);
    }
    return out;
  }

  function renderRepoFilter() {
    const select = $("repo-filter");
    const repos = [...new Set([...state.files.values()].map((f) => f.repo))].sort();
    const current = [...select.options].map((o) => o.value).slice(1);
    if (current.join("\u0000") === repos.join("\u0000")) return;
    select.replaceChildren(h("option", { value: "*", text: "all repos" }),
      ...repos.map((r) => h("option", { value: r, text: r })));
    select.value = repos.includes(state.repo) ? state.repo : "*";
  }

  function renderList() {
    renderRepoFilter();
    const list = $("fix-list");
    const files = visibleFiles();
    $("fix-count").textContent = files.length + (files.length === 1 ? " file" : " files");
    if (!files.length) {
      const text = state.files.size
        ? "No file matches the filter."
        : "Waiting for fixes… every result the worker publishes appears here as it happens.";
      list.replaceChildren(h("p", { class: "empty", id: "fix-empty", text }));
      return;
    }
    const byRepo = new Map();
    for (const [key, file] of files) {
      if (!byRepo.has(file.repo)) byRepo.set(file.repo, []);
      byRepo.get(file.repo).push([key, file]);
    }
    const groups = [...byRepo.entries()]
      .map(([repo, entries]) => [repo, entries.sort((a, b) => b[1].lastAt - a[1].lastAt)])
      .sort((a, b) => b[1][0][1].lastAt - a[1][0][1].lastAt);
    const scroll = list.scrollTop;
    list.replaceChildren(...groups.map(([repo, entries]) => {
      const fixCount = entries.reduce((n, [, f]) => n + f.fixes.length, 0);
      return h("div", { class: "repo-group", "data-repo": repo },
        h("div", { class: "repo-head" }, h("i", { class: "repo-icon" }), h("b", { text: repo }),
          h("span", { text: entries.length + (entries.length === 1 ? " file · " : " files · ") +
            fixCount + (fixCount === 1 ? " fix" : " fixes") })),
        entries.map(([key, file]) => fileRow(key, file)));
    }));
    list.scrollTop = scroll;
    state.fresh.clear();
  }

  function fileRow(key, file) {
    const latest = file.fixes[0];
    const rules = uniqueRules(latest);
    const slash = file.path.lastIndexOf("/");
    const chips = rules.size
      ? [...rules].map(([rule, n]) => h("span", { class: "chip", text: n > 1 ? rule + " ×" + n : rule }))
      : [h("span", { class: "chip clean", text: (latest.remaining || []).length ? "no fix applied" : "clean" })];
    const total = latest.timings_ms ? latest.timings_ms.total : null;
    return h("div", {
      class: "fix-row" + (key === state.selectedKey ? " selected" : "") + (state.fresh.has(key) ? " fresh" : ""),
      "data-change-id": latest.change_id, "data-repo": file.repo, "data-path": file.path,
      role: "button", tabindex: 0,
      onclick: () => select(key, latest.change_id),
      onkeydown: (e) => { if (e.key === "Enter") select(key, latest.change_id); },
    },
    h("div", { class: "path", title: file.path },
      slash >= 0 ? h("span", { class: "dir", text: file.path.slice(0, slash + 1) }) : null,
      file.path.slice(slash + 1)),
    h("div", { class: "meta" }, "rev " + latest.revision,
      file.fixes.length > 1 ? " · " + file.fixes.length + " revs" : ""),
    h("div", { class: "chips" }, chips,
      latest.cache_hit ? h("span", { class: "badge cache", text: "cache" }) : null),
    h("div", { class: "meta" }, fmtMs(total), " · ",
      h("span", { "data-ago": latest._receivedAt, text: ago(latest._receivedAt) })));
  }

  function select(key, changeId) {
    state.selectedKey = key;
    state.selectedId = changeId;
    state.wholeFile = false;
    scheduleRender(true);
  }

  // ---- the detail panel and its diff --------------------------------------------------
  function selectedFix() {
    const file = state.files.get(state.selectedKey);
    if (!file) return [null, null];
    return [file, file.fixes.find((f) => f.change_id === state.selectedId) || file.fixes[0]];
  }

  function renderDetail() {
    const panel = $("detail");
    const [file, fix] = selectedFix();
    if (!fix) {
      panel.replaceChildren(h("div", { class: "empty detail-empty", text: "Select a file to see its fix." }));
      return;
    }
    const scroll = panel.querySelector(".diff")?.scrollTop || 0;
    const plan = fix.plan || {};
    panel.replaceChildren(
      h("div", { class: "detail-head", "data-change-id": fix.change_id },
        h("div", { class: "detail-title" },
          h("span", { class: "repo", text: fix.repo + " /" }),
          h("span", { class: "file", text: fix.path }),
          h("span", { class: "badges" },
            fix.cache_hit ? h("span", { class: "badge cache", text: "cache hit" }) : null,
            plan.source ? h("span", { class: "badge source", title: plan.reason || "", text: plan.source + " plan" }) : null)),
        h("div", { class: "detail-meta" },
          h("span", {}, "revision ", h("b", { text: fix.revision })),
          h("span", {}, "language ", h("b", { text: fix.language || "?" })),
          h("span", { title: fix.change_id }, "change ", h("b", { class: "mono", text: String(fix.change_id).slice(0, 12) })),
          fix._replayed
            ? h("span", { title: "sent from the gateway's history when this page connected" }, "from ", h("b", { text: "history" }))
            : h("span", {}, "delivered ", h("b", { text: fix.produced_at ? fmtMs(Math.max(0, fix._receivedAt - fix.produced_at * 1000)) : "–" }),
              " after it was produced"),
          h("span", { "data-ago": fix._receivedAt, text: ago(fix._receivedAt) })),
        timingBar(fix.timings_ms || {}),
        file.fixes.length > 1 ? h("div", { class: "revs" }, "revisions",
          file.fixes.map((f) => h("button", {
            type: "button", class: f.change_id === fix.change_id ? "on" : "",
            onclick: () => select(state.selectedKey, f.change_id), text: f.revision,
          }))) : null),
      appliedSection(fix),
      diffSection(fix),
      problemsSection(fix));
    const diff = panel.querySelector(".diff");
    if (diff) diff.scrollTop = scroll;
  }

  function timingBar(timings) {
    const stages = ["encode", "plan", "fix", "cache"].filter((s) => timings[s] > 0);
    const total = timings.total || stages.reduce((n, s) => n + timings[s], 0);
    if (!total) return null;
    return h("div", { class: "timing-wrap" },
      h("div", { class: "timing", title: "time per stage" },
        stages.map((s) => h("span", { class: "t-" + s, style: { width: (100 * timings[s] / total) + "%" } }))),
      h("div", { class: "timing-legend" },
        stages.map((s) => h("span", {}, h("i", { class: "t-" + s }), s + " " + fmtMs(timings[s]))),
        h("span", {}, "total ", h("b", { text: fmtMs(total) }))));
  }

  function appliedSection(fix) {
    const rules = uniqueRules(fix);
    const reliability = new Map((fix.applied || []).map((a) => [a.rule, a.reliability]));
    if (!rules.size) {
      return h("div", { class: "section" }, h("h3", { text: "applied fixes" }),
        h("p", { class: "muted", text: "No fix was applied to this revision." }));
    }
    return h("div", { class: "section" },
      h("h3", {}, "applied fixes", h("span", { class: "aside muted", text: "your verdict trains the planner" })),
      h("div", { class: "applied" }, [...rules].map(([rule, count]) => {
        const verdict = state.verdicts.get(fix.change_id + "\u0000" + rule);
        const button = (kind, label, icon) => h("button", {
          type: "button",
          class: "verdict " + kind + (verdict && verdict.verdict === kind ? " on" : "") + (verdict && verdict.pending ? " pending" : ""),
          "data-verdict": kind, "data-rule": rule, "aria-pressed": verdict && verdict.verdict === kind ? "true" : "false",
          disabled: verdict && verdict.pending,
          onclick: () => sendFeedback(fix, rule, kind),
        }, h("span", { "aria-hidden": "true", text: icon }), label);
        const rel = reliability.get(rule);
        return h("div", { class: "applied-row", "data-rule": rule },
          h("span", { class: "rule", text: rule }),
          h("span", { class: "times", text: "×" + count }),
          typeof rel === "number" ? h("span", { class: "rel", text: "reliability " + rel.toFixed(2) }) : null,
          h("span", { class: "actions" }, button("accept", "Accept", "✓"), button("reject", "Reject", "✕")));
      })));
  }

  // LSP edits hold ranges in the ORIGINAL text and the text that replaced them; the result
  // carries only the fixed text. Walking the edits in order maps each one onto the fixed
  // text: the span its newText occupies there, and how much of the original it replaced.
  const LINE_BREAK = /\r\n|\r|\n/g;

  function lineStarts(text) {
    const starts = [0];
    LINE_BREAK.lastIndex = 0;
    let m;
    while ((m = LINE_BREAK.exec(text))) starts.push(m.index + m[0].length);
    return starts;
  }

  function advance(text, offset, from, to) {
    if (to.line === from.line) return offset + (to.character - from.character);
    let lines = to.line - from.line;
    LINE_BREAK.lastIndex = offset;
    while (lines > 0) {
      const m = LINE_BREAK.exec(text);
      if (!m) return text.length;
      offset = m.index + m[0].length;
      lines--;
    }
    return offset + to.character;
  }

  function editSpans(fixed, edits) {
    const ordered = [...edits].sort((a, b) =>
      a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    const spans = [];
    let at = { line: 0, character: 0 };
    let offset = 0;
    for (const edit of ordered) {
      const { start, end } = edit.range;
      offset = Math.min(fixed.length, advance(fixed, offset, at, start));
      const text = edit.newText || "";
      spans.push({ from: offset, to: offset + text.length, start, end, text });
      offset += text.length;
      at = end;
    }
    return spans;
  }

  function describeRemoved(span) {
    const { start, end } = span;
    if (start.line === end.line) {
      const n = end.character - start.character;
      return n === 0 ? null : n + (n === 1 ? " character" : " characters");
    }
    return "text across " + (end.line - start.line + 1) + " lines";
  }

  function describeEdit(span) {
    const where = "line " + (span.start.line + 1) + ", col " + (span.start.character + 1);
    const removed = describeRemoved(span);
    const shown = span.text.length > 60 ? span.text.slice(0, 57) + "…" : span.text;
    if (removed && span.text) return [where + ": replaced " + removed + " with ", h("code", { text: JSON.stringify(shown) })];
    if (removed) return [where + ": removed " + removed];
    return [where + ": inserted ", h("code", { text: JSON.stringify(shown) })];
  }

  function lineAt(starts, offset) {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  function renderLine(text, starts, index, spans, changed) {
    const begin = starts[index];
    let end = index + 1 < starts.length ? starts[index + 1] : text.length;
    const content = text.slice(begin, end).replace(/\r?\n$|\r$/, "");
    end = begin + content.length;
    const pieces = [];
    let at = begin;
    for (const span of spans) {
      if (span.to < begin || span.from > end) continue;
      if (span.from === span.to && (span.from < begin || span.from > end)) continue;
      const from = Math.max(span.from, begin);
      const to = Math.min(span.to, end);
      if (from > at) pieces.push(text.slice(at, from));
      const title = describeEdit(span).map((p) => (typeof p === "string" ? p : p.textContent)).join("");
      if (span.from >= begin && describeRemoved(span)) pieces.push(h("span", { class: "cut", title }));
      if (to > from) pieces.push(h("ins", { title, text: text.slice(from, to) }));
      at = Math.max(at, to);
    }
    if (at < end) pieces.push(text.slice(at, end));
    return h("div", { class: "ln" + (changed ? " changed" : "") },
      h("span", { class: "no", text: index + 1 }),
      h("span", { class: "mk", text: changed ? "~" : "" }),
      h("code", {}, pieces.length ? pieces : "\u200b"));
  }

  function diffSection(fix) {
    const edits = fix.edits || [];
    const text = fix.fixed_content || "";
    if (!edits.length) {
      return h("div", { class: "section" }, h("h3", { text: "diff" }),
        h("p", { class: "muted", text: "No change: the fixed text is the submitted text." }));
    }
    const spans = editSpans(text, edits);
    const starts = lineStarts(text);
    const lastLine = starts.length - 1 - (starts.length > 1 && starts[starts.length - 1] === text.length ? 1 : 0);
    const changed = new Set();
    for (const span of spans) {
      const a = lineAt(starts, span.from);
      const b = lineAt(starts, span.to > span.from ? span.to - 1 : span.from);
      for (let i = a; i <= b; i++) changed.add(i);
    }
    const rows = [];
    if (state.wholeFile) {
      const limit = Math.min(lastLine, MAX_WHOLE_LINES - 1);
      for (let i = 0; i <= limit; i++) rows.push(renderLine(text, starts, i, spans, changed.has(i)));
      if (limit < lastLine) rows.push(h("div", { class: "gap", text: "⋯ " + (lastLine - limit) + " more lines" }));
    } else {
      const ranges = [];
      for (const i of [...changed].sort((a, b) => a - b)) {
        const lo = Math.max(0, i - CONTEXT_LINES), hi = Math.min(lastLine, i + CONTEXT_LINES);
        const prev = ranges[ranges.length - 1];
        if (prev && lo <= prev[1] + 1) prev[1] = Math.max(prev[1], hi); else ranges.push([lo, hi]);
      }
      let shown = 0;
      for (const [lo, hi] of ranges) {
        if (lo > shown) rows.push(h("div", { class: "gap", text: "⋯ " + (lo - shown) + " unchanged line" + (lo - shown === 1 ? "" : "s") }));
        for (let i = lo; i <= hi; i++) rows.push(renderLine(text, starts, i, spans, changed.has(i)));
        shown = hi + 1;
      }
      if (shown <= lastLine) rows.push(h("div", { class: "gap", text: "⋯ " + (lastLine - shown + 1) + " unchanged line" + (lastLine - shown === 0 ? "" : "s") }));
    }
    const edited = spans.length;
    return h("div", { class: "section" },
      h("h3", {}, "diff",
        h("span", { class: "diff-tools" },
          h("span", { class: "muted", text: edited + (edited === 1 ? " edit on " : " edits on ") + changed.size + (changed.size === 1 ? " line" : " lines") }),
          h("button", { type: "button", class: "link", text: state.wholeFile ? "show changes only" : "show whole file",
            onclick: () => { state.wholeFile = !state.wholeFile; renderDetail(); } }))),
      h("div", { class: "diff", role: "region", "aria-label": "fixed file with its edits" }, rows),
      h("div", { class: "diff-legend" },
        h("span", {}, h("ins", { text: "text" }), " inserted by the fix"),
        h("span", {}, h("span", { class: "cut-key" }), "text removed here (hover for the range)"),
        h("span", { text: "line numbers of the fixed file" })),
      h("ul", { class: "edits" }, spans.slice(0, 20).map((s) => h("li", {}, describeEdit(s))),
        spans.length > 20 ? h("li", { text: "… " + (spans.length - 20) + " more" }) : null));
  }

  function problemsSection(fix) {
    const remaining = fix.remaining || [];
    if (!remaining.length) return null;
    return h("div", { class: "section" },
      h("h3", {}, "remaining problems", h("span", { class: "aside muted", text: remaining.length + " left" })),
      h("ul", { class: "problems" }, remaining.slice(0, 30).map((p) => h("li", {},
        h("span", { class: "where", text: p.line + ":" + p.column }),
        h("span", { class: "rule", text: p.rule }),
        h("span", { text: p.message + (p.fixable ? " (fixable)" : "") })))));
  }

  // ---- metrics: header, KPIs, charts, rules, pipeline ---------------------------------
  async function poll() {
    try {
      const response = await fetch("/api/metrics" + query, { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      state.metrics = await response.json();
      renderMetrics();
    } catch (err) {
      setHealth("unknown", "metrics unavailable: " + err.message);
    }
    for (const el of document.querySelectorAll("[data-ago]")) el.textContent = ago(Number(el.dataset.ago));
  }

  function setHealth(stateName, reason) {
    for (const [pill, label] of [[$("health"), $("health-state")], [$("worker-state"), $("worker-state").querySelector("b")]]) {
      pill.className = "pill pill-" + stateName;
      pill.title = reason;
      label.textContent = stateName;
    }
    $("worker-reason").textContent = reason;
  }

  function setBig(id, ms) {
    const [num, unit] = fmtMsParts(ms);
    $(id).replaceChildren(num, unit ? h("small", { text: unit }) : "");
  }

  function renderMetrics() {
    const m = state.metrics;
    $("c-results").textContent = fmtCount(m.fixes.results);
    $("c-applied").textContent = fmtCount(m.fixes.applied);
    $("c-feedback").textContent = fmtCount(m.feedback.total);
    $("c-clients").textContent = m.clients;
    $("c-uptime").textContent = duration(m.uptime_s);
    setHealth(m.worker.health, m.worker.reason);
    $("worker-last").textContent = m.worker.last_fix_at ? ago(m.worker.last_fix_at * 1000) : "never";

    $("k-rate").textContent = fmtRate(m.fixes.rate["1s"]);
    $("k-rate10").textContent = fmtRate(m.fixes.rate["10s"]) + "/s";
    $("k-rate60").textContent = fmtRate(m.fixes.rate["60s"]) + "/s";
    const p = m.latency_ms.processing || {}, d = m.latency_ms.delivery || {};
    setBig("k-p50", p.p50);
    $("k-p90").textContent = fmtMs(p.p90);
    $("k-p99").textContent = fmtMs(p.p99);
    setBig("k-d50", d.p50);
    $("k-d99").textContent = fmtMs(d.p99);
    $("k-cache").textContent = fmtPct(m.cache.hit_rate);
    $("k-hits").textContent = fmtCount(m.cache.hits);
    $("k-lookups").textContent = fmtCount(m.cache.results);
    const lag = m.consumer_lag;
    $("k-lag").textContent = lag.total === null ? "–" : fmtCount(lag.total);
    $("k-lag-note").textContent = lag.total === null ? "not measured yet"
      : Object.keys(lag.partitions).length + " partitions · " + (lag.total ? "changes waiting for the worker" : "nothing waiting");

    drawRate();
    drawLatency();
    renderRules(m.rules);
    renderPipeline(m);
  }

  function renderRules(rules) {
    const body = $("rules-body");
    if (!rules.length) {
      body.replaceChildren(h("tr", { class: "empty-row" }, h("td", { colspan: 5, text: "No fixes yet." })));
      return;
    }
    body.replaceChildren(...rules.map((r) => {
      const judged = r.accepted + r.rejected;
      return h("tr", { "data-rule": r.rule },
        h("td", { class: "rule", text: r.rule }),
        h("td", { class: "num", text: fmtCount(r.fixes) }),
        h("td", { class: "num", text: fmtCount(r.accepted) }),
        h("td", { class: "num", text: fmtCount(r.rejected) }),
        h("td", {}, h("div", { class: "accbar", title: judged ? r.accepted + " of " + judged + " accepted" : "no feedback yet" },
          h("div", { class: "bar" },
            h("span", { class: "acc", style: { width: judged ? (100 * r.accepted / judged) + "%" : "0" } }),
            h("span", { class: "rej", style: { width: judged ? (100 * r.rejected / judged) + "%" : "0" } })),
          h("span", { class: "pct" }, judged ? h("b", { text: fmtPct(r.acceptance_rate) }) : "no votes"))));
    }));
  }

  function renderPipeline(m) {
    const rate = m.cache.hit_rate;
    $("donut-fill").setAttribute("stroke-dasharray", rate === null ? "0 100" : (rate * 100).toFixed(1) + " " + (100 - rate * 100).toFixed(1));
    $("donut-text").textContent = fmtPct(rate);

    const sources = ["model", "greedy", "cache"];
    const total = sources.reduce((n, s) => n + (m.plan_sources[s] || 0), 0);
    $("sources").replaceChildren(...sources.map((s) => h("span", {
      class: "src-" + s, title: s + ": " + (m.plan_sources[s] || 0),
      style: { width: total ? (100 * (m.plan_sources[s] || 0) / total) + "%" : "0" },
    })));
    $("sources-legend").replaceChildren(...sources.map((s) => h("span", {},
      h("i", { class: "src-" + s }), s + " ", h("b", { text: fmtCount(m.plan_sources[s] || 0) }))));

    const lags = Object.entries(m.consumer_lag.partitions);
    const box = $("lag-bars");
    if (!lags.length) {
      box.replaceChildren(h("p", { class: "muted", text: m.consumer_lag.total === null ? "not measured yet" : "no partitions" }));
      return;
    }
    const max = Math.max(10, ...lags.map(([, v]) => v));
    box.replaceChildren(...lags.map(([partition, value]) => h("div", { class: "lag-row" },
      h("span", { class: "p", text: "p" + partition }),
      h("div", { class: "track" }, h("div", { class: "fill", style: { width: (100 * value / max) + "%" } })),
      h("span", { class: "v", text: fmtCount(value) }))));
  }

  // ---- charts: a small canvas plotter -------------------------------------------------
  function niceStep(value) { // the smallest of 1, 2, 5 × 10^k at least `value`
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
    return 10 * power;
  }

  function prepareCanvas(canvas) {
    const dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    return { ctx, width, height };
  }

  // series: [{values, color, kind: "area"|"line"}]; scale: {log: bool, max}; returns geometry.
  function plot(canvas, series, options) {
    const { ctx, width, height } = prepareCanvas(canvas);
    const pad = { left: 50, right: 8, top: 8, bottom: 20 };
    const w = width - pad.left - pad.right, ih = height - pad.top - pad.bottom;
    const n = series[0].values.length;
    const muted = cssVar("--muted"), grid = cssVar("--grid");
    const all = series.flatMap((s) => s.values).filter((v) => v !== null && v > 0);
    let y, ticks;
    if (options.log) {
      const elo = Math.floor(Math.log10(Math.min(...all, 1)));
      const ehi = Math.max(elo + 1, Math.ceil(Math.log10(Math.max(...all, 10))));
      y = (v) => pad.top + ih - ih * (Math.log10(Math.max(v, Math.pow(10, elo))) - elo) / (ehi - elo);
      ticks = [];
      for (let e = elo; e <= ehi; e++) ticks.push(Number("1e" + e));
    } else {
      const top = Math.max(...all, options.minMax || 1);
      const step = Math.max(options.minStep || 0, niceStep(top / 4));
      const max = Math.ceil(top / step - 1e-9) * step;
      y = (v) => pad.top + ih - ih * v / max;
      ticks = [];
      for (let t = 0; t <= max + 1e-9; t += step) ticks.push(t);
    }
    const x = (i) => pad.left + (n <= 1 ? w : (w * i) / (n - 1));

    ctx.font = "11px " + cssVar("--sans");
    ctx.lineWidth = 1;
    ctx.textBaseline = "middle";
    ctx.textAlign = "right";
    for (const t of ticks) {
      const yy = Math.round(y(t)) + 0.5;
      ctx.strokeStyle = grid;
      ctx.beginPath(); ctx.moveTo(pad.left, yy); ctx.lineTo(pad.left + w, yy); ctx.stroke();
      ctx.fillStyle = muted;
      ctx.fillText(options.format(t), pad.left - 6, yy);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "alphabetic";
    const minutes = Math.round((n * options.step) / 60);
    for (let k = 0; k <= minutes; k++) {
      const i = n - 1 - (k * 60) / options.step;
      if (i < 0) break;
      ctx.fillStyle = muted;
      ctx.fillText(k === 0 ? "now" : "−" + k + "m", Math.min(Math.max(x(i), pad.left + 12), pad.left + w - 12), height - 5);
    }

    for (const s of series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = s.kind === "area" ? 1.25 : 1.6;
      ctx.lineJoin = "round";
      if (s.kind === "area") {
        ctx.beginPath();
        ctx.moveTo(x(0), y(0));
        for (let i = 0; i < n; i++) ctx.lineTo(x(i), y(s.values[i] || 0));
        ctx.lineTo(x(n - 1), y(0));
        ctx.closePath();
        const gradient = ctx.createLinearGradient(0, pad.top, 0, pad.top + ih);
        gradient.addColorStop(0, withAlpha(s.color, 0.35));
        gradient.addColorStop(1, withAlpha(s.color, 0.03));
        ctx.fillStyle = gradient;
        ctx.fill();
        ctx.beginPath();
        for (let i = 0; i < n; i++) (i ? ctx.lineTo : ctx.moveTo).call(ctx, x(i), y(s.values[i] || 0));
        ctx.stroke();
      } else {
        ctx.beginPath();
        let drawing = false;
        for (let i = 0; i < n; i++) {
          const v = s.values[i];
          if (v === null || v === undefined) { drawing = false; continue; }
          if (!drawing) {
            ctx.moveTo(x(i), y(v));
            const next = s.values[i + 1];
            if (next === null || next === undefined) { // a lone point: draw a dot
              ctx.stroke(); ctx.beginPath();
              ctx.fillStyle = s.color; ctx.arc(x(i), y(v), 1.8, 0, 2 * Math.PI); ctx.fill();
              ctx.beginPath();
              continue;
            }
            drawing = true;
          } else ctx.lineTo(x(i), y(v));
        }
        ctx.stroke();
      }
    }
    if (options.hover !== undefined && options.hover !== null) {
      const xx = Math.round(x(options.hover)) + 0.5;
      ctx.strokeStyle = muted;
      ctx.setLineDash([3, 3]);
      ctx.beginPath(); ctx.moveTo(xx, pad.top); ctx.lineTo(xx, pad.top + ih); ctx.stroke();
      ctx.setLineDash([]);
    }
    return { pad, w, n };
  }

  function withAlpha(color, alpha) {
    if (color.startsWith("#") && color.length === 7) {
      const v = parseInt(color.slice(1), 16);
      return `rgba(${v >> 16}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
    }
    return color;
  }

  const hover = { rate: null, latency: null };

  function drawRate() {
    const m = state.metrics;
    if (!m) return;
    const canvas = $("chart-rate");
    canvas._geometry = plot(canvas, [
      { values: m.series.fixes, color: cssVar("--accent"), kind: "area" },
      { values: m.series.cache_hits, color: cssVar("--teal"), kind: "area" },
    ], { step: m.series.step_s, format: (v) => fmtRate(v), minMax: 4, minStep: 1, hover: hover.rate });
    canvas._tip = (i) => [tipTime(m, i), ["results", m.series.fixes[i] + "/s"], ["cache hits", m.series.cache_hits[i] + "/s"]];
  }

  function drawLatency() {
    const m = state.metrics;
    if (!m) return;
    const canvas = $("chart-latency");
    const s = m.series[state.latencyKind];
    canvas._geometry = plot(canvas, [
      { values: s.p50, color: cssVar("--green"), kind: "line" },
      { values: s.p90, color: cssVar("--amber"), kind: "line" },
      { values: s.p99, color: cssVar("--red"), kind: "line" },
    ], { step: m.series.step_s, log: true, format: (v) => (v >= 1000 ? v / 1000 + " s" : v + " ms"), hover: hover.latency });
    canvas._tip = (i) => [tipTime(m, i), ["p50", fmtMs(s.p50[i])], ["p90", fmtMs(s.p90[i])], ["p99", fmtMs(s.p99[i])]];
  }

  function tipTime(m, i) {
    return new Date((m.series.start + i * m.series.step_s) * 1000).toLocaleTimeString();
  }

  function wireChart(canvas, name, redraw) {
    const tip = canvas.parentElement.querySelector(".tip");
    canvas.addEventListener("mousemove", (event) => {
      const g = canvas._geometry;
      if (!g) return;
      const rect = canvas.getBoundingClientRect();
      const px = event.clientX - rect.left;
      const i = Math.round(((px - g.pad.left) / g.w) * (g.n - 1));
      if (i < 0 || i >= g.n) { hover[name] = null; tip.hidden = true; redraw(); return; }
      hover[name] = i;
      redraw();
      const [time, ...rows] = canvas._tip(i);
      tip.replaceChildren(h("div", { class: "muted", text: time }),
        ...rows.map(([label, value]) => h("div", {}, label + " ", h("b", { text: value }))));
      tip.hidden = false;
      const left = px + 14 + tip.offsetWidth > rect.width ? px - tip.offsetWidth - 8 : px + 14;
      tip.style.left = left + "px";
    });
    canvas.addEventListener("mouseleave", () => { hover[name] = null; tip.hidden = true; redraw(); });
  }

  // ---- start ------------------------------------------------------------------------
  function start() {
    $("filter").addEventListener("input", (e) => { state.filter = e.target.value.trim(); scheduleRender(false); });
    $("repo-filter").addEventListener("change", (e) => { state.repo = e.target.value; scheduleRender(false); });
    $("changed-only").addEventListener("change", (e) => { state.changedOnly = e.target.checked; scheduleRender(false); });
    for (const button of document.querySelectorAll(".seg button")) {
      button.addEventListener("click", () => {
        state.latencyKind = button.dataset.kind;
        for (const b of document.querySelectorAll(".seg button")) b.classList.toggle("on", b === button);
        drawLatency();
      });
    }
    wireChart($("chart-rate"), "rate", drawRate);
    wireChart($("chart-latency"), "latency", drawLatency);
    window.addEventListener("resize", () => { drawRate(); drawLatency(); });
    window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => { drawRate(); drawLatency(); });
    connect();
    poll();
    setInterval(poll, POLL_MS);
  }

  start();
})();
