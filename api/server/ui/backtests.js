// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// backtests: the finished backtests this home keeps (hedgegraph backtest), their figures,
// equity curve and trades. Read-only: a backtest never touches the live account.
import { $, api, fmtMoney, fmtQty, fmtPct, row, svg, guarded } from "./core.js";

async function refreshBacktests() {
  const list = await api("/api/v1/backtests?limit=50");
  const body = $("#backtests tbody");
  body.replaceChildren();
  for (const b of list) {
    const tr = row(body, b.id, [[b.id], [`${b.start} … ${b.end}`], [b.tickers.join(", ")], [String(b.sessions), "num"],
      [fmtPct(b.total_return), "num"], [fmtMoney(b.final_equity), "num"], [String(b.fills), "num"]]);
    const td = document.createElement("td");
    const open = Object.assign(document.createElement("button"), { type: "button", textContent: "Open" });
    open.dataset.action = "open";
    open.addEventListener("click", () => guarded(() => showBacktest(b.id)));
    td.appendChild(open);
    tr.appendChild(td);
  }
  $("#backtests-empty").hidden = list.length > 0;
}

async function showBacktest(id) {
  const record = await api(`/api/v1/backtests/${encodeURIComponent(id)}`);
  const s = record.summary, st = s.statistics;
  $("#backtest-detail").hidden = false;
  $("#backtest-title").textContent = `${s.tickers.join(", ")} ${s.start} … ${s.end} · ${s.mode} · ${s.analysts.join(", ")}`;
  const figures = [
    ["Initial cash", fmtMoney(s.initial_cash)], ["Final equity", fmtMoney(s.final_equity)],
    ["Total return", fmtPct(st.total_return)], ["Annualised", fmtPct(st.annual_return)],
    ["Volatility", fmtPct(st.annual_volatility)], ["Sharpe", num(st.sharpe)], ["Sortino", num(st.sortino)],
    ["Calmar", num(st.calmar)], ["Max drawdown", `${fmtPct(st.max_drawdown)} (${st.drawdown_peak || "?"} → ${st.drawdown_trough || "?"})`],
    ["Exposure", fmtPct(st.exposure)], ["Win rate", fmtPct(st.win_rate)], ["Profit factor", num(st.profit_factor)],
    ["Commissions", fmtMoney(s.commissions_paid)], ["Fills", String(s.fills)], ["LLM calls", String(s.llm_calls)],
  ];
  if (st.benchmark_return !== null && st.benchmark_return !== undefined) {
    figures.push([`Benchmark ${s.benchmark}`, fmtPct(st.benchmark_return)], ["Excess", fmtPct(st.excess_return)]);
  }
  const dl = $("#backtest-figures");
  dl.replaceChildren();
  for (const [term, value] of figures) {
    const dd = Object.assign(document.createElement("dd"), { textContent: value });
    dd.dataset.field = term;
    dl.append(Object.assign(document.createElement("dt"), { textContent: term }), dd);
  }
  drawCurve($("#backtest-equity"), record.equity.map((p) => Number(p.equity)));
  const trades = $("#backtest-trades tbody");
  trades.replaceChildren();
  record.trades.forEach((t, i) => {
    row(trades, `${t.client_order_id}#${i}`, [[t.day], [t.ticker], [t.side], [fmtQty(t.qty), "num"], [fmtMoney(t.price), "num"],
      [fmtMoney(t.commission), "num"], [t.reason], [t.realized_pnl === null ? "" : fmtMoney(t.realized_pnl), "num"], [t.decision_id]]);
  });
  document.body.dataset.backtest = id;
}

const num = (v) => (v === null || v === undefined ? "" : Number(v).toFixed(2));

function drawCurve(box, values) {
  box.replaceChildren();
  box.dataset.points = String(values.length);
  if (!values.length) { box.textContent = "No equity recorded."; return; }
  const W = 600, H = 120, P = 8;
  const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
  const x = (i) => (values.length === 1 ? W / 2 : P + (i * (W - 2 * P)) / (values.length - 1));
  const y = (v) => H - P - ((v - lo) * (H - 2 * P)) / span;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "backtest equity curve" });
  root.appendChild(svg("polyline", { points: values.map((v, i) => `${x(i)},${y(v)}`).join(" ") }));
  const label = svg("text", { x: P, y: 12 });
  label.textContent = `${fmtMoney(values[values.length - 1])} (low ${fmtMoney(lo)}, high ${fmtMoney(hi)})`;
  root.appendChild(label);
  box.appendChild(root);
}

export { refreshBacktests, showBacktest };
