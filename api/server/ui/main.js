// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// main: start-up; the key form until a key is accepted, then the views.
import { $, KEY_SLOT, takeKeyFromUrl, apiKey, api, showKeyForm, guarded } from "./core.js";
import { drawGraph } from "./graph.js";
import { onRunEnd, loadAnalysts, startRun, answerApproval, watchThread, replayRun } from "./run.js";
import { showAudit, refreshAlerts, refreshThreads, refreshRuns } from "./history.js";
import { refreshPortfolio, confirmThen, loadWatchlist } from "./portfolio.js";
import { refreshBacktests } from "./backtests.js";
import { wireResearch } from "./research.js";

// What a finished run changes: the account, the thread list, the alerts, the thread's audit.
onRunEnd(refreshPortfolio);
onRunEnd(() => refreshThreads(watchThread));
onRunEnd(refreshAlerts);
onRunEnd(() => refreshRuns(replayRun));
onRunEnd(showAudit);

async function showApp() {
  await api("/info");  // proves the key before anything of the account is drawn
  $("#key-view").hidden = true;
  const main = $("#app");
  main.replaceChildren($("#app-template").content.cloneNode(true));
  main.hidden = false;
  $("#forget-key").hidden = false;
  $("#run-form").addEventListener("submit", (e) => guarded(() => startRun(e)));
  $("#open-form").addEventListener("submit", (e) => guarded(() => watchThread(e)));
  wireResearch();
  $("#mode").addEventListener("change", () => guarded(() => drawGraph($("#mode").value)));
  $("#approve").addEventListener("click", () => guarded(() => answerApproval(true)));
  $("#reject").addEventListener("click", () => guarded(() => answerApproval(false)));
  $("#refresh").addEventListener("click", () => guarded(() => Promise.all([refreshPortfolio(), refreshAlerts(), refreshRuns(replayRun), refreshBacktests()])));
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
  await Promise.all([drawGraph($("#mode").value), refreshPortfolio(), loadWatchlist(), refreshThreads(watchThread), refreshAlerts(),
    refreshRuns(replayRun), loadAnalysts(), refreshBacktests()]);
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
