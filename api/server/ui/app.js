// hedgegraph operator page: vanilla JS, no build step, nothing loaded from outside this server.
// It is one more client of the API: every call carries the key, every action is a public route,
// so nothing here can reach the broker except through the risk gate.
"use strict";

const KEY_SLOT = "hedgegraph.key";
const MODES = ["updates", "custom"];
const $ = (sel, root = document) => root.querySelector(sel);

// ---------- key: from the URL once, then sessionStorage ----------
function takeKeyFromUrl() {
  const hash = new URLSearchParams(location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(location.search);
  const key = hash.get("key") || query.get("key");
  if (key) {
    sessionStorage.setItem(KEY_SLOT, key);
    history.replaceState(null, "", location.pathname);  // the key leaves the address bar
  }
}
const apiKey = () => sessionStorage.getItem(KEY_SLOT);

class KeyRefused extends Error {}

async function api(path, { method = "GET", body } = {}) {
  const headers = { "x-api-key": apiKey() || "" };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) throw new KeyRefused("the server refused this key");
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const detail = data && data.detail !== undefined ? JSON.stringify(data.detail) : response.statusText;
    throw new Error(`${method} ${path}: ${response.status} ${detail}`);
  }
  return data;
}

// ---------- formatting ----------
const money = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
const fmtMoney = (v) => (v === null || v === undefined || v === "" ? "" : money.format(Number(v)));
const fmtQty = (v) => (v === null || v === undefined ? "" : String(Number(v)));
const fmtPct = (v) => (v === null || v === undefined ? "" : `${(Number(v) * 100).toFixed(1)} %`);
const words = (code) => String(code).replaceAll("_", " ");

function cells(tr, values) {
  for (const [value, cls] of values) {
    const td = document.createElement("td");
    td.textContent = value;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  return tr;
}

function row(tbody, key, values) {
  // One row per key: a replayed or repeated event updates its row, never adds a second one.
  let tr = tbody.querySelector(`tr[data-key="${CSS.escape(key)}"]`);
  if (!tr) { tr = document.createElement("tr"); tr.dataset.key = key; tbody.appendChild(tr); }
  tr.replaceChildren();
  return cells(tr, values);
}

const reasonsText = (reasons) => (reasons || []).map((r) => `${words(r.code)}: ${r.message}`).join("; ");

// ---------- graph ----------
const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

function layers(shape) {
  // Longest-path layering over the graph without its back edges (approval -> risk_gate loops).
  const out = new Map(shape.nodes.map((n) => [n.id, []]));
  for (const e of shape.edges) out.get(e.source)?.push(e.target);
  const back = new Set(), seen = new Set(), onStack = new Set();
  const visit = (id) => {
    seen.add(id); onStack.add(id);
    for (const t of out.get(id) || []) {
      if (onStack.has(t)) back.add(`${id}>${t}`); else if (!seen.has(t)) visit(t);
    }
    onStack.delete(id);
  };
  visit("__start__");
  shape.nodes.forEach((n) => seen.has(n.id) || visit(n.id));
  const depth = new Map(shape.nodes.map((n) => [n.id, 0]));
  for (let i = 0; i < shape.nodes.length; i++) {
    for (const e of shape.edges) {
      if (back.has(`${e.source}>${e.target}`)) continue;
      depth.set(e.target, Math.max(depth.get(e.target), depth.get(e.source) + 1));
    }
  }
  return depth;
}

const graphView = {
  nodes: new Map(),  // id -> {started, finished, ms, el}
  draw(shape) {
    const box = $("#graph");
    box.replaceChildren();
    this.nodes.clear();
    const depth = layers(shape);
    const byLayer = new Map();
    for (const n of shape.nodes) {
      const d = depth.get(n.id);
      if (!byLayer.has(d)) byLayer.set(d, []);
      byLayer.get(d).push(n);
    }
    const W = 150, H = 44, GX = 40, GY = 34;
    const width = Math.max(...[...byLayer.values()].map((l) => l.length)) * (W + GX) + GX;
    const height = byLayer.size * (H + GY) + GY;
    const pos = new Map();
    for (const [d, list] of byLayer) {
      const offset = (width - list.length * (W + GX) + GX) / 2;
      list.forEach((n, i) => pos.set(n.id, { x: offset + i * (W + GX), y: GY + d * (H + GY) }));
    }
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "workflow graph" });
    for (const e of shape.edges) {
      const a = pos.get(e.source), b = pos.get(e.target);
      const up = b.y <= a.y;
      const [y1, y2] = up ? [a.y, b.y + H] : [a.y + H, b.y];
      const line = svg("line", { x1: a.x + W / 2 + (up ? 12 : 0), y1, x2: b.x + W / 2 + (up ? 12 : 0), y2 });
      line.dataset.edge = `${e.source}>${e.target}`;
      if (e.conditional) line.classList.add("conditional");
      root.appendChild(line);
    }
    for (const n of shape.nodes) {
      const p = pos.get(n.id);
      const g = svg("g", { transform: `translate(${p.x},${p.y})` });
      g.dataset.node = n.id;
      g.dataset.state = "idle";
      g.appendChild(svg("rect", { width: W, height: H }));
      const label = svg("text", { x: W / 2, y: 18 }); label.textContent = n.name;
      const dur = svg("text", { x: W / 2, y: 35, class: "dur" });
      g.append(label, dur);
      root.appendChild(g);
      this.nodes.set(n.id, { started: 0, finished: 0, ms: 0, g, dur });
    }
    box.appendChild(root);
  },
  reset() {
    for (const node of this.nodes.values()) {
      Object.assign(node, { started: 0, finished: 0, ms: 0 });
      node.g.dataset.state = "idle"; node.dur.textContent = "";
    }
  },
  mark(id, change) {
    const node = this.nodes.get(id);
    if (!node) return;
    change(node);
    const running = node.started > node.finished;
    node.g.dataset.state = node.waiting ? "waiting" : running ? "running" : node.finished ? "done" : "idle";
    node.dur.textContent = node.waiting ? "waiting for approval"
      : node.finished ? `${node.ms.toFixed(0)} ms${node.finished > 1 ? ` (${node.finished} tasks)` : ""}` : running ? "running" : "";
  },
};

// ---------- the run's events ----------
const analystGrid = {
  tickers: [], analysts: [],
  reset(tickers) { this.tickers = [...tickers]; this.analysts = []; this.render(); },
  column(analyst) { if (!this.analysts.includes(analyst)) { this.analysts.push(analyst); this.render(); } },
  render() {
    const thead = $("#grid thead"), tbody = $("#grid tbody");
    const head = document.createElement("tr");
    cells(head, [["Ticker"], ...this.analysts.map((a) => [a])]);
    thead.replaceChildren(head);
    const old = new Map([...tbody.querySelectorAll("td[data-cell]")].map((td) => [td.dataset.cell, td]));
    tbody.replaceChildren();
    for (const t of this.tickers) {
      const tr = document.createElement("tr");
      cells(tr, [[t]]);
      for (const a of this.analysts) {
        const key = `${t}|${a}`;
        const td = old.get(key) || Object.assign(document.createElement("td"), { textContent: "…" });
        td.dataset.cell = key; td.dataset.ticker = t; td.dataset.analyst = a;
        tr.appendChild(td);
      }
      tbody.appendChild(tr);
    }
  },
  settle() {  // the run is over: a cell still empty had no verdict (not a candidate)
    for (const td of document.querySelectorAll("#grid td[data-cell]:not([data-signal])")) td.textContent = "–";
  },
  verdict(v) {
    if (!this.tickers.includes(v.ticker)) { this.tickers.push(v.ticker); }
    this.column(v.analyst);
    this.render();
    const td = $(`#grid td[data-cell="${CSS.escape(`${v.ticker}|${v.analyst}`)}"]`);
    const failed = v.failure_reason ? " failed" : "";
    td.textContent = `${v.signal} ${(v.confidence * 100).toFixed(0)} % · ${v.source}`;
    td.className = `${v.signal}${failed}`;
    td.dataset.signal = v.signal;
    td.title = v.failure_reason ? `failed: ${v.failure_reason}` : v.reasoning;
  },
};

function showDecision(d) {
  row($("#decisions tbody"), d.ticker, [
    [d.ticker], [d.action, d.action], [fmtQty(d.quantity), "num"], [`${(d.confidence * 100).toFixed(0)} %`, "num"],
    [fmtMoney(d.stop_loss), "num"], [fmtMoney(d.take_profit), "num"],
    [(d.clamps || []).map((c) => (typeof c === "string" ? words(c) : JSON.stringify(c))).join("; ")], [d.reasoning],
  ]);
}

function showVerdict(tbody, v) {
  const i = v.intent;
  row(tbody, i.client_order_id, [
    [i.ticker], [i.side], [fmtQty(i.qty), "num"], [v.outcome, v.outcome], [fmtQty(v.approved_qty), "num"],
    [reasonsText(v.reasons) || "none"],
  ]);
}

function showOrder(o) {
  row($("#orders tbody"), o.client_order_id, [
    [o.client_order_id], [o.ticker], [o.side], [fmtQty(o.qty), "num"], [o.status],
    [fmtQty(o.filled_qty), "num"], [fmtMoney(o.filled_avg_price), "num"],
  ]);
}

function note(text, cls = "") {
  const li = Object.assign(document.createElement("li"), { textContent: text, className: cls });
  $("#run-events").appendChild(li);
}

const run = { threadId: null, runId: null, lastId: null, pending: [], frames: 0, reconnects: 0 };

function onCycleEvent(e) {
  switch (e.kind) {
    case "node_started":
      graphView.mark(e.node, (n) => {
        if (n.waiting) n.started = n.finished;  // the paused task starts again on resume
        n.started += 1; n.waiting = false;
      });
      if (e.analyst) analystGrid.column(e.analyst);
      break;
    case "node_finished":
      graphView.mark(e.node, (n) => { n.finished += 1; n.ms += e.duration_ms || 0; });
      break;
    case "analyst_verdict": analystGrid.verdict(e.verdict); break;
    case "pm_decision": showDecision(e.decision); break;
    case "gate_verdict": showVerdict($("#verdicts tbody"), e.gate_verdict); break;
    case "order_update": showOrder(e.order); break;
    case "approval_requested":
      run.pending.push(e.gate_verdict);
      showVerdict($("#approval-table tbody"), e.gate_verdict);
      $("#approval-card").hidden = false;
      break;
    case "warning": case "error":
      note(`${e.kind}: ${e.run_event ? e.run_event.message || JSON.stringify(e.run_event) : ""}`, e.kind);
      break;
    case "finished":
      analystGrid.settle();
      if (e.status === "awaiting_approval") graphView.mark("approval", (n) => { n.waiting = true; });
      status(`run ${e.status}`);
      break;
    default: break;
  }
}

const status = (text) => { $("#run-status").textContent = text; };

// ---------- SSE over fetch (EventSource cannot send the key as a header) ----------
function idAfter(a, b) {
  // Event ids are "n" (in-process) or "ms-n" (Redis stream): compare part by part.
  const pa = String(a).split("-").map(Number), pb = String(b).split("-").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if ((pa[i] || 0) !== (pb[i] || 0)) return (pa[i] || 0) > (pb[i] || 0);
  }
  return false;
}

async function readStream(response, onFrame) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", frame = {};
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, cut);
      buffer = buffer.slice(cut + (buffer[cut] === "\r" ? 2 : 1));
      if (line === "") { if (frame.data !== undefined) onFrame(frame); frame = {}; continue; }
      if (line.startsWith(":")) continue;  // heartbeat
      const [field, ...rest] = line.split(":");
      const val = rest.join(":").replace(/^ /, "");
      if (field === "data") frame.data = frame.data === undefined ? val : `${frame.data}\n${val}`;
      else if (field === "event" || field === "id") frame[field] = val;
    }
  }
}

function onFrame(frame) {
  if (frame.id && run.lastId !== null && !idAfter(frame.id, run.lastId)) return;  // seen already
  if (frame.id) run.lastId = frame.id;
  run.frames += 1;
  document.body.dataset.frames = String(run.frames);  // what the tests compare with the log
  const data = JSON.parse(frame.data);
  if (frame.event === "metadata" && data) run.runId = data.run_id;
  else if (frame.event === "custom") onCycleEvent(data);
  else if (frame.event === "end") run.ended = true;
  else if (frame.event === "error") note(`error: ${data.error}: ${data.message}`, "error");
}

async function follow(firstResponse) {
  // Read the run's stream to its `end`; after a drop, join again from the last event id.
  let response = firstResponse, attempt = 0;
  run.ended = false;
  for (;;) {
    try {
      if (!response) {
        const query = MODES.map((m) => `stream_mode=${m}`).join("&");
        const headers = { "x-api-key": apiKey() };
        if (run.lastId !== null) headers["last-event-id"] = run.lastId;
        response = await fetch(`/threads/${run.threadId}/runs/${run.runId}/stream?${query}`, { headers });
        if (response.status === 401) throw new KeyRefused("the server refused this key");
        if (!response.ok) throw new Error(`join: ${response.status}`);
      }
      await readStream(response, onFrame);
      if (run.ended) break;
      attempt = 0;  // it made progress before it closed: back off from scratch
    } catch (err) {
      if (err instanceof KeyRefused) throw err;
      if (!run.runId) throw err;
    }
    response = null;
    attempt += 1;
    run.reconnects += 1;
    document.body.dataset.reconnects = String(run.reconnects);
    if (attempt > 30) throw new Error(`gave up following run ${run.runId} after ${attempt - 1} reconnects`);
    status(`connection lost, catching up from event ${run.lastId} (attempt ${attempt})`);
    await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** Math.min(attempt, 5))));
  }
  if (!$("#run-status").textContent.startsWith("run ")) status("run ended");
  document.body.dataset.run = "idle";
  await Promise.all([refreshPortfolio(), refreshThreads(), refreshAlerts(), showAudit(run.threadId)]);
}

async function postStream(body) {
  const response = await fetch(`/threads/${run.threadId}/runs/stream`, {
    method: "POST",
    headers: { "x-api-key": apiKey(), "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ assistant_id: "trading", stream_mode: MODES, stream_resumable: true, ...body }),
  });
  if (response.status === 401) throw new KeyRefused("the server refused this key");
  if (!response.ok) throw new Error(`start: ${response.status} ${await response.text()}`);
  const location = response.headers.get("content-location") || "";
  run.runId = location.split("/").pop() || null;
  run.lastId = null;
  run.frames = 0;
  return response;
}

function clearRunView(tickers) {
  for (const id of ["#decisions", "#verdicts", "#orders", "#approval-table"]) $(`${id} tbody`).replaceChildren();
  $("#run-events").replaceChildren();
  $("#approval-card").hidden = true;
  run.pending = [];
  graphView.reset();
  analystGrid.reset(tickers);
}

async function startRun(event) {
  event.preventDefault();
  const tickers = $("#tickers").value.split(/[\s,]+/).filter(Boolean).map((t) => t.toUpperCase());
  const mode = $("#mode").value, session = $("#session").value;
  await drawGraph(mode);
  clearRunView(tickers);
  document.body.dataset.run = "running";
  const thread = await api("/threads", { method: "POST", body: { metadata: { started_by: "web page" } } });
  run.threadId = thread.thread_id;
  document.body.dataset.thread = run.threadId;
  status(`running on thread ${run.threadId}`);
  await follow(await postStream({ input: { tickers, mode, session } }));
}

async function answerApproval(approved) {
  const noteText = $("#approval-note").value.trim();
  $("#approval-card").hidden = true;
  document.body.dataset.run = "running";
  status(approved ? "approved, executing" : "rejected");
  const resume = noteText ? { approved, note: noteText } : { approved };
  await follow(await postStream({ command: { resume } }));
}

async function watchThread(event, picked) {
  event.preventDefault();
  const threadId = picked || $("#open-thread").value.trim();
  if (!threadId) return;
  const runs = await api(`/threads/${encodeURIComponent(threadId)}/runs`);
  if (!runs.length) { status("that thread has no runs"); return; }
  const state = await api(`/threads/${encodeURIComponent(threadId)}/state`);
  const latest = runs.reduce((a, b) => (a.created_at > b.created_at ? a : b));
  await drawGraph(state.values?.request?.mode || $("#mode").value);
  clearRunView(state.values?.request?.tickers || []);
  Object.assign(run, { threadId, runId: latest.run_id, lastId: null, frames: 0 });
  document.body.dataset.thread = threadId;
  document.body.dataset.run = "running";
  status(`watching run ${latest.run_id} (${latest.status})`);
  await follow(null);
}

async function showAudit(threadId) {
  // What the ledger recorded for the thread: each decision with its inputs digest, model,
  // prompt hash, gate outcome and order ids, and the fills.
  const audit = await api(`/api/v1/threads/${encodeURIComponent(threadId)}/audit`);
  const short = (v) => (v ? String(v).slice(0, 12) : "");
  const tbody = $("#audit tbody");
  tbody.replaceChildren();
  for (const d of audit.decisions) {
    row(tbody, d.decision_id, [
      [d.ticker], [d.action, d.action], [fmtQty(d.quantity), "num"], [`${d.policy} · ${d.model}`],
      [short(d.prompt_hash) || "none"], [short(d.inputs_digest)], [d.gate_outcome || "not gated", d.gate_outcome || ""],
      [(d.gate_reason_codes || []).map(words).join(", ")], [(d.order_client_ids || []).join(" ")],
    ]);
  }
  const fills = $("#fills tbody");
  fills.replaceChildren();
  for (const f of audit.fills) {
    const key = `${f.client_order_id}|${f.filled_at}|${f.qty}`;
    row(fills, key, [[f.client_order_id], [f.ticker], [f.side], [fmtQty(f.qty), "num"], [fmtMoney(f.price), "num"],
      [new Date(f.filled_at).toLocaleString()]]);
  }
  $("#audit-thread").textContent = threadId;
  $("#audit-card").hidden = false;
}

async function refreshAlerts() {
  // Open and acknowledged alerts (resolved ones leave the list); handling one is kept with it.
  const alerts = await api("/api/v1/alerts");
  const tbody = $("#alerts tbody");
  tbody.replaceChildren();
  $("#alerts-empty").hidden = alerts.length > 0;
  for (const a of alerts) {
    const tr = row(tbody, String(a.id), [
      [a.severity, a.severity === "critical" || a.severity === "error" ? "bearish" : ""], [`${a.title}: ${a.message}`],
      [a.source], [String(a.occurrences), "num"], [new Date(a.last_seen_at).toLocaleString()], [a.status],
    ]);
    const td = document.createElement("td");
    const actions = a.status === "open" ? ["acknowledge", "resolve"] : ["resolve"];
    for (const action of actions) {
      const b = Object.assign(document.createElement("button"), { type: "button", textContent: action[0].toUpperCase() + action.slice(1) });
      b.dataset.action = action;
      b.addEventListener("click", () => guarded(async () => {
        await api(`/api/v1/alerts/${a.id}/${action}`, { method: "POST", body: { by: "web page" } });
        await refreshAlerts();
      }));
      td.appendChild(b);
    }
    tr.appendChild(td);
  }
}

async function refreshThreads() {
  // Every thread this server knows, newest first: who or what started it, what it traded, where it is.
  const threads = await api("/threads/search", { method: "POST", body: { limit: 20 } });
  const tbody = $("#threads tbody");
  tbody.replaceChildren();
  threads.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  for (const t of threads) {
    const request = (t.values && t.values.request) || {};
    const tr = row(tbody, t.thread_id, [
      [t.thread_id.slice(0, 8)], [new Date(t.created_at).toLocaleString()], [t.metadata.started_by || "api client"],
      [(request.tickers || []).join(" ")], [t.status === "interrupted" ? "awaiting approval" : t.status],
    ]);
    tr.firstChild.title = t.thread_id;
    const td = document.createElement("td");
    const watch = Object.assign(document.createElement("button"), { type: "button", textContent: "Watch" });
    watch.addEventListener("click", (e) => guarded(() => watchThread(e, t.thread_id)));
    const audit = Object.assign(document.createElement("button"), { type: "button", textContent: "Audit" });
    audit.addEventListener("click", () => guarded(() => showAudit(t.thread_id)));
    td.append(watch, audit);
    tr.appendChild(td);
  }
}

async function drawGraph(mode) {
  graphView.draw(await api(`/api/v1/ui/graph/${mode}`));
}

// ---------- portfolio and trading state ----------
async function refreshPortfolio() {
  const s = await api("/api/v1/trading/state");
  const badge = $("#trading-badge");
  badge.hidden = false;
  badge.textContent = s.status.toUpperCase();
  badge.className = `badge ${s.status}`;
  badge.dataset.status = s.status;
  $("#trading-reason").textContent = `${s.status.toUpperCase()}${s.reason ? `: ${s.reason}` : ""} · broker ${s.broker}${s.broker_error ? ` (error: ${s.broker_error})` : ""}`;
  const dl = $("#account");
  dl.replaceChildren();
  for (const [label, value] of [["Cash", s.cash], ["Equity", s.equity], ["Buying power", s.buying_power]]) {
    dl.append(Object.assign(document.createElement("dt"), { textContent: label }),
      Object.assign(document.createElement("dd"), { textContent: fmtMoney(value) }));
  }
  const loss = s.daily_loss;
  const lossEl = $("#daily-loss");
  if (loss) {
    const used = loss.limit_pct ? loss.loss_pct / loss.limit_pct : 0;
    lossEl.textContent = `Today's loss ${fmtPct(loss.loss_pct)} of a ${fmtPct(loss.limit_pct)} limit (${(used * 100).toFixed(0)} % used)`;
    lossEl.className = used >= 1 ? "breach-level" : used >= 0.75 ? "warn-level" : "status";
  }
  const positions = $("#positions tbody");
  positions.replaceChildren();
  for (const p of s.positions) {
    row(positions, p.symbol, [[p.symbol], [fmtQty(p.qty), "num"], [fmtMoney(p.avg_entry_price), "num"], [fmtMoney(p.market_price), "num"],
      [fmtMoney(p.unrealized_pl), "num"], [fmtMoney(p.stop_loss), "num"], [fmtMoney(p.take_profit), "num"]]);
  }
  const open = $("#open-orders tbody");
  open.replaceChildren();
  for (const o of s.open_orders) {
    row(open, o.client_order_id, [[o.client_order_id], [o.symbol], [o.side], [fmtQty(o.qty), "num"], [o.order_type], [o.status]]);
  }
  await refreshEquity();
  document.body.dataset.portfolio = "loaded";
}

async function refreshEquity() {
  // The recorded equity curve (last 30 days on the engine's clock) as one line.
  const points = await api("/api/v1/ui/equity?days=30");
  const box = $("#equity");
  box.replaceChildren();
  box.dataset.points = String(points.length);
  if (!points.length) { box.textContent = "No equity recorded yet."; return; }
  const W = 600, H = 120, P = 8;
  const values = points.map((p) => Number(p.equity));
  const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
  const x = (i) => (points.length === 1 ? W / 2 : P + (i * (W - 2 * P)) / (points.length - 1));
  const y = (v) => H - P - ((v - lo) * (H - 2 * P)) / span;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "equity curve" });
  root.appendChild(svg("polyline", { points: values.map((v, i) => `${x(i)},${y(v)}`).join(" ") }));
  values.forEach((v, i) => root.appendChild(svg("circle", { cx: x(i), cy: y(v), r: 2.5 })));
  const label = svg("text", { x: P, y: 12 });
  label.textContent = `${fmtMoney(values[values.length - 1])} (low ${fmtMoney(lo)}, high ${fmtMoney(hi)})`;
  root.appendChild(label);
  box.appendChild(root);
}

function confirmThen(title, text, yes, action) {
  const dialog = $("#confirm");
  $("#confirm-title").textContent = title;
  $("#confirm-text").textContent = text;
  $("#confirm-yes").textContent = yes;
  dialog.onclose = async () => {
    if (dialog.returnValue !== "yes") return;
    await guarded(() => action($("#confirm-reason").value.trim() || "operator"));
  };
  dialog.showModal();
}

async function loadWatchlist() {
  const chips = $("#watchlist");
  chips.replaceChildren();
  for (const entry of await api("/api/v1/watchlist")) {
    const b = Object.assign(document.createElement("button"), { type: "button", textContent: entry.symbol });
    b.addEventListener("click", () => {
      const now = $("#tickers").value.split(/[\s,]+/).filter(Boolean);
      if (!now.includes(entry.symbol)) $("#tickers").value = [...now, entry.symbol].join(", ");
    });
    chips.appendChild(b);
  }
}

// ---------- start-up ----------
function showKeyForm(message = "") {
  $("#app").hidden = true;
  $("#app").replaceChildren();  // nothing of the account stays in the page
  $("#forget-key").hidden = true;
  $("#trading-badge").hidden = true;
  $("#key-view").hidden = false;
  $("#key-error").textContent = message;
}

async function guarded(action) {
  try { await action(); } catch (err) {
    if (err instanceof KeyRefused) { sessionStorage.removeItem(KEY_SLOT); showKeyForm("That key was refused."); return; }
    document.body.dataset.run = "idle";
    status(String(err.message || err));
  }
}

async function showApp() {
  await api("/info");  // proves the key before anything of the account is drawn
  $("#key-view").hidden = true;
  const main = $("#app");
  main.replaceChildren($("#app-template").content.cloneNode(true));
  main.hidden = false;
  $("#forget-key").hidden = false;
  $("#run-form").addEventListener("submit", (e) => guarded(() => startRun(e)));
  $("#open-form").addEventListener("submit", (e) => guarded(() => watchThread(e)));
  $("#mode").addEventListener("change", () => guarded(() => drawGraph($("#mode").value)));
  $("#approve").addEventListener("click", () => guarded(() => answerApproval(true)));
  $("#reject").addEventListener("click", () => guarded(() => answerApproval(false)));
  $("#refresh").addEventListener("click", () => guarded(() => Promise.all([refreshPortfolio(), refreshAlerts()])));
  $("#halt").addEventListener("click", () => confirmThen("Emergency stop",
    "HALT trading: cancel every open order and close every position through the risk gate.", "Halt and flatten",
    async (reason) => {
      await api("/api/v1/trading/halt", { method: "POST", body: { reason, confirm: true } });
      await Promise.all([refreshPortfolio(), refreshAlerts()]);
    }));
  $("#reduce-only").addEventListener("click", () => guarded(async () => {
    await api("/api/v1/trading/reduce-only", { method: "POST", body: { reason: "operator" } }); await refreshPortfolio();
  }));
  $("#resume").addEventListener("click", () => confirmThen("Resume trading",
    "Back to ACTIVE after a clean reconciliation with the broker: new entries are allowed again.", "Resume",
    async (reason) => { await api("/api/v1/trading/resume", { method: "POST", body: { reason, confirm: true } }); await refreshPortfolio(); }));
  await Promise.all([drawGraph($("#mode").value), refreshPortfolio(), loadWatchlist(), refreshThreads(), refreshAlerts()]);
  document.body.dataset.ready = "yes";
}

function theme() {
  const root = document.documentElement;
  const saved = localStorage.getItem("hedgegraph.theme");
  if (saved) root.dataset.theme = saved;
  else if (matchMedia("(prefers-color-scheme: dark)").matches) root.dataset.theme = "dark";
  $("#theme").addEventListener("click", () => {
    root.dataset.theme = root.dataset.theme === "dark" ? "light" : "dark";
    localStorage.setItem("hedgegraph.theme", root.dataset.theme);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  theme();
  takeKeyFromUrl();
  $("#key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_SLOT, $("#key-input").value.trim());
    $("#key-input").value = "";
    guarded(showApp);
  });
  $("#forget-key").addEventListener("click", () => { sessionStorage.removeItem(KEY_SLOT); showKeyForm(); });
  if (apiKey()) guarded(showApp); else showKeyForm();
});
