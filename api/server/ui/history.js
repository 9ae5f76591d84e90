// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// history: what the ledger recorded (decision audit, fills), the alerts and the recent threads.
import { $, api, fmtMoney, fmtQty, words, row, guarded } from "./core.js";

function fullInputs(d) {
  // Everything the decision was made from, as the ledger recorded it (nothing shortened).
  const details = Object.assign(document.createElement("details"), { className: "inputs" });
  details.appendChild(Object.assign(document.createElement("summary"), { textContent: "Show" }));
  const dl = document.createElement("dl");
  const verdicts = (d.analyst_verdicts || []).map((v) =>
    `${v.analyst}: ${v.signal} ${Math.round(Number(v.confidence) * 100)} %${v.source ? ` (${v.source})` : ""}`);
  const items = [
    ["Model", `${d.policy} · ${d.model}`], ["Prompt hash", d.prompt_hash || "none (no prompt)"],
    ["Inputs digest", d.inputs_digest], ["Confidence", `${Math.round(Number(d.confidence) * 100)} %`],
    ["Reasoning", d.reasoning], ["Analyst verdicts", verdicts.join("; ") || "none"],
    ["Gate", `${d.gate_outcome || "not gated"} ${(d.gate_reason_codes || []).map(words).join(", ")}`.trim()],
    ["Orders", (d.order_client_ids || []).join(" ") || "none"], ["Recorded", new Date(d.recorded_at).toLocaleString()],
  ];
  for (const [term, value] of items) {
    const dt = Object.assign(document.createElement("dt"), { textContent: term });
    const dd = Object.assign(document.createElement("dd"), { textContent: value });
    dd.dataset.field = term;
    dl.append(dt, dd);
  }
  details.appendChild(dl);
  const td = document.createElement("td");
  td.appendChild(details);
  return td;
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
    ]).appendChild(fullInputs(d));
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

async function refreshThreads(onWatch) {
  // Every thread this server knows, newest first: who or what started it, what it traded, where it is.
  const threads = await api("/threads/search", { method: "POST", body: { limit: 20 } });
  const tbody = $("#threads tbody");
  tbody.replaceChildren();
  threads.sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
  for (const t of threads) {
    const request = (t.values && t.values.request) || {};
    const tr = row(tbody, t.thread_id, [
      [t.thread_id.slice(0, 8)], [new Date(t.created_at).toLocaleString()], [t.metadata.started_by || "not recorded (see Runs)"],
      [(request.tickers || []).join(" ")], [t.status === "interrupted" ? "awaiting approval" : t.status],
    ]);
    tr.firstChild.title = t.thread_id;
    const td = document.createElement("td");
    const watch = Object.assign(document.createElement("button"), { type: "button", textContent: "Watch" });
    watch.addEventListener("click", (e) => guarded(() => onWatch(e, t.thread_id)));
    const audit = Object.assign(document.createElement("button"), { type: "button", textContent: "Audit" });
    audit.addEventListener("click", () => guarded(() => showAudit(t.thread_id)));
    td.append(watch, audit);
    tr.appendChild(td);
  }
}

async function refreshRuns(onOpen) {
  // Every run the ledger holds, newest first, whoever started it: open one to replay or follow it.
  const runs = await api("/api/v1/ui/runs?limit=50");
  const tbody = $("#runs tbody");
  tbody.replaceChildren();
  for (const r of runs) {
    const tr = row(tbody, r.run_id, [
      [r.run_id.slice(0, 8)], [r.thread_id.slice(0, 12)], [new Date(r.started_at).toLocaleString()], [r.started_by],
      [words(r.status)], [String(r.orders.length), "num"],
    ]);
    tr.children[0].title = r.run_id; tr.children[1].title = r.thread_id; tr.children[5].title = r.orders.join(" ");
    tr.dataset.thread = r.thread_id; tr.dataset.trigger = r.trigger;
    const td = document.createElement("td");
    const open = Object.assign(document.createElement("button"), { type: "button", textContent: "Open" });
    open.dataset.action = "open";
    open.addEventListener("click", () => guarded(() => onOpen(r.thread_id, r.run_id)));
    const audit = Object.assign(document.createElement("button"), { type: "button", textContent: "Audit" });
    audit.dataset.action = "audit";
    audit.addEventListener("click", () => guarded(() => showAudit(r.thread_id)));
    td.append(open, audit);
    tr.appendChild(td);
  }
}

export { showAudit, refreshAlerts, refreshThreads, refreshRuns };
