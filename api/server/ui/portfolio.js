// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// portfolio: account, positions, open orders, daily loss, equity curve, trading state and its controls.
import { $, api, fmtMoney, fmtQty, fmtPct, row, svg, guarded } from "./core.js";

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
    // The level is the loss guard's own (warning near the limit, breached past it), not a
    // second threshold computed here.
    const used = Number(loss.limit_pct) ? Number(loss.loss_pct) / Number(loss.limit_pct) : 0;
    const level = loss.level === "ok" ? "" : ` · ${loss.level.toUpperCase()}`;
    lossEl.textContent = `Today's loss ${fmtPct(loss.loss_pct)} of a ${fmtPct(loss.limit_pct)} limit (${(Math.max(used, 0) * 100).toFixed(0)} % used)${level}`;
    lossEl.className = { warning: "warn-level", breached: "breach-level" }[loss.level] || "status";
    lossEl.dataset.level = loss.level;
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
  await refreshFills();
  await refreshEquity();
  document.body.dataset.portfolio = "loaded";
}

async function refreshFills() {
  // What executed lately across every thread (the ledger's fills, newest first).
  const fills = await api("/api/v1/fills?limit=20");
  const body = $("#recent-fills tbody");
  body.replaceChildren();
  fills.forEach((f) => {
    row(body, `${f.client_order_id}@${f.filled_at}/${f.qty}`, [[new Date(f.filled_at).toLocaleString()], [f.ticker], [f.side],
      [fmtQty(f.qty), "num"], [fmtMoney(f.price), "num"], [f.client_order_id]]);
  });
  $("#recent-fills-empty").hidden = fills.length > 0;
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
  dialog.returnValue = "";  // an earlier "yes" must never answer this one
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

export { refreshPortfolio, refreshEquity, confirmThen, loadWatchlist };
