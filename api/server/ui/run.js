// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// run: one run's events over SSE (fetch, since EventSource cannot send the key), applied once each.
import { $, MODES, apiKey, KeyRefused, api, fmtMoney, fmtQty, words, cells, row, reasonsText, status } from "./core.js";
import { graphView, drawGraph } from "./graph.js";

const afterRun = [];
/** Views to refresh when a run's stream has ended (portfolio, threads, alerts, audit). */
const onRunEnd = (refresh) => afterRun.push(refresh);

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
  if (frame.event === "metadata" && data) { run.runId = data.run_id; document.body.dataset.runId = run.runId; }
  else if (frame.event === "custom") onCycleEvent(data);
  else if (frame.event === "end") run.ended = true;
  else if (frame.event === "error") note(`error: ${data.error}: ${data.message}`, "error");
}

async function follow(firstResponse) {
  // Read the run's stream to its `end`; after a drop, join again from the last event id.
  let response = firstResponse, attempt = 0;
  run.ended = false;
  document.body.dataset.runId = run.runId || "";
  for (;;) {
    try {
      if (!response) {
        const query = MODES.map((m) => `stream_mode=${m}`).join("&");
        const headers = { "x-api-key": apiKey() };
        if (run.lastId !== null) headers["last-event-id"] = run.lastId;
        response = await fetch(`/threads/${encodeURIComponent(run.threadId)}/runs/${encodeURIComponent(run.runId)}/stream?${query}`, { headers });
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
  await Promise.all(afterRun.map((refresh) => refresh(run.threadId)));
}

async function postStream(body) {
  const response = await fetch(`/threads/${encodeURIComponent(run.threadId)}/runs/stream`, {
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

async function loadAnalysts() {
  // One checkbox per registered analyst; the configured roster starts ticked.
  const roster = await api("/api/v1/ui/analysts");
  const picker = $("#analyst-picker");
  for (const name of roster.analysts) {
    const box = Object.assign(document.createElement("input"), { type: "checkbox", value: name, name: "analyst" });
    box.checked = roster.default.includes(name);
    const label = document.createElement("label");
    label.append(box, words(name));
    picker.appendChild(label);
  }
}

const pickedAnalysts = () => [...document.querySelectorAll("#analyst-picker input:checked")].map((b) => b.value);

async function startRun(event) {
  event.preventDefault();
  const tickers = $("#tickers").value.split(/[\s,]+/).filter(Boolean).map((t) => t.toUpperCase());
  const mode = $("#mode").value, session = $("#session").value;
  const analysts = pickedAnalysts();
  if (!analysts.length) { status("pick at least one analyst"); return; }
  await drawGraph(mode);
  clearRunView(tickers);
  document.body.dataset.run = "running";
  const thread = await api("/threads", { method: "POST", body: { metadata: { started_by: "web page" } } });
  run.threadId = thread.thread_id;
  document.body.dataset.thread = run.threadId;
  status(`running on thread ${run.threadId}`);
  await follow(await postStream({ input: { tickers, mode, session, analysts } }));
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

async function replayRun(threadId, runId) {
  // Any run the ledger recorded (the CLI's, the scheduler's, another server's): its stored
  // events in seq order, polled until it has ended; each seq is applied once.
  const state = await api(`/threads/${encodeURIComponent(threadId)}/state`);
  await drawGraph(state.values?.request?.mode || $("#mode").value);
  clearRunView(state.values?.request?.tickers || []);
  Object.assign(run, { threadId, runId, lastId: null, frames: 0 });
  Object.assign(document.body.dataset, { thread: threadId, runId, run: "running" });
  status(`replaying run ${runId}`);
  let after = 0;
  for (;;) {
    const replay = await api(`/api/v1/ui/runs/${encodeURIComponent(runId)}/events?after=${after}`);
    for (const e of replay.events) {
      if (e.seq <= after) continue;
      after = e.seq;
      run.frames += 1;
      onCycleEvent(e);
    }
    document.body.dataset.frames = String(run.frames);
    if (!replay.live && !replay.events.length) break;
    if (!replay.events.length) await new Promise((r) => setTimeout(r, 500));
  }
  if (!$("#run-status").textContent.startsWith("run ")) status("run ended");
  document.body.dataset.run = "idle";
  await Promise.all(afterRun.map((refresh) => refresh(run.threadId)));
}

export { run, onRunEnd, loadAnalysts, startRun, answerApproval, watchThread, replayRun };
