// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// research: a research session on the `research` assistant. A question (tickers, depth,
// template) is a run on the session's thread; its plan and tool calls arrive live as `custom`
// events, the answer as `messages-tuple` chunks, then the thread's values give the typed answer
// (stance, confidence, key points, risks, sources). A next question on the same thread is a
// follow-up that sees the earlier ones. Research reads data only: it places no order.
import { $, api, apiKey, row, guarded } from "./core.js";

const STREAM = ["custom", "messages-tuple", "values"];
const session = { threadId: null, busy: false };

function say(text) { $("#research-status").textContent = text; }

function item(list, text, cls) {
  const li = document.createElement("li");
  li.textContent = text;
  if (cls) li.className = cls;
  list.appendChild(li);
  return li;
}

const argsText = (args) => Object.entries(args || {}).map(([k, v]) => `${k}=${v}`).join(", ");

function onProgress(event) {
  if (event.kind === "understood") {
    item($("#research-plan"), `understood: ${event.parts.length} part(s), tickers ${event.tickers.join(", ")}`);
  } else if (event.kind === "plan") {
    const tasks = event.tasks.map((t) => `${t.tool} ${t.ticker}`).join(", ") || "nothing new";
    item($("#research-plan"), `plan (step ${event.step}): ${tasks}`).dataset.kind = "plan";
  } else if (event.kind === "tool") {
    const tr = row($("#research-tools tbody"), event.call_id, [[event.call_id], [event.tool], [argsText(event.args)], [event.status]]);
    tr.dataset.status = event.status;
  } else if (event.kind === "draft") {
    item($("#research-plan"), `draft check: ${event.errors.length ? event.errors.join("; ") : "ok"}`,
      event.errors.length ? "failed" : "approved").dataset.kind = "draft";
  }
}

function fill(list, texts) {
  list.replaceChildren();
  for (const t of texts) item(list, t);
}

function showAnswer(answer) {
  $("#research-answer").hidden = false;
  $("#research-stream").hidden = true;  // the streamed text, now shown typed
  $("#research-summary").textContent = answer.summary;
  const stance = $("#research-stance");
  stance.textContent = answer.stance;
  stance.className = answer.stance;
  $("#research-confidence").textContent = Number(answer.confidence).toFixed(2);
  const marks = [];
  if (answer.rules_only) marks.push("rules-only");
  marks.push(answer.validated ? "validated" : `not validated: ${answer.validation_errors.join("; ")}`);
  marks.push(`stopped: ${answer.stop_reason}`);
  $("#research-mark").textContent = marks.join(" · ");
  fill($("#research-points"), answer.key_points);
  fill($("#research-risks"), answer.risks);
  fill($("#research-sources"), answer.sources.map((s) => `${s.call_id}: ${s.tool}(${argsText(s.args)}) @ ${s.as_of}`));
}

function showTurns(history) {
  const list = $("#research-turns");
  list.replaceChildren();
  for (const turn of history || []) {
    item(list, `${turn.question} → ${turn.answer.stance} (${Number(turn.answer.confidence).toFixed(2)}): ${turn.answer.summary}`);
  }
  document.body.dataset.researchTurns = String((history || []).length);
}

function onFrame(frame) {
  const data = JSON.parse(frame.data);
  if (frame.event === "custom") onProgress(data);
  else if (frame.event === "messages") {
    const [chunk] = data;
    $("#research-stream").textContent += chunk.content;
  } else if (frame.event === "values" && data.answer) {
    showAnswer(data.answer);
    showTurns(data.history);
  } else if (frame.event === "error") say(`research failed: ${data.error}: ${data.message}`);
}

async function readFrames(response) {
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
      else if (field === "event") frame.event = val;
    }
  }
}

function asked() {
  const input = { question: $("#research-question").value.trim(), depth: $("#research-depth").value };
  const tickers = $("#research-tickers").value.split(/[\s,]+/).map((t) => t.trim()).filter(Boolean);
  if (tickers.length) input.tickers = tickers;
  if ($("#research-template").value) input.template = $("#research-template").value;
  return input;
}

async function askResearch(event) {
  event.preventDefault();
  if (session.busy) return;
  session.busy = true;
  document.body.dataset.research = "running";
  try {
    if (!session.threadId) {
      session.threadId = (await api("/threads", { method: "POST", body: { metadata: { view: "research" } } })).thread_id;
      document.body.dataset.researchThread = session.threadId;
    }
    $("#research-plan").replaceChildren();
    $("#research-tools tbody").replaceChildren();
    $("#research-stream").textContent = "";
    $("#research-stream").hidden = false;
    $("#research-answer").hidden = true;
    say("researching…");
    const response = await fetch(`/threads/${encodeURIComponent(session.threadId)}/runs/stream`, {
      method: "POST",
      headers: { "x-api-key": apiKey(), "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ assistant_id: "research", input: asked(), stream_mode: STREAM }),
    });
    if (!response.ok) {
      const text = await response.text();
      let detail = text;
      try { detail = JSON.parse(text).detail.map((e) => `${e.loc.slice(2).join(".") || "input"}: ${e.msg}`).join("; "); } catch { /* as sent */ }
      say(`refused: ${detail}`);
      return;
    }
    await readFrames(response);
    if (!$("#research-status").textContent.startsWith("research failed")) say(`answered · session ${session.threadId}`);
    $("#research-question").value = "";
  } finally {
    session.busy = false;
    document.body.dataset.research = "idle";
  }
}

function newSession() {
  session.threadId = null;
  delete document.body.dataset.researchThread;
  for (const sel of ["#research-plan", "#research-tools tbody", "#research-turns"]) $(sel).replaceChildren();
  $("#research-stream").textContent = "";
  $("#research-answer").hidden = true;
  document.body.dataset.researchTurns = "0";
  say("new session");
}

function wireResearch() {
  $("#research-form").addEventListener("submit", (e) => guarded(() => askResearch(e)));
  $("#research-new").addEventListener("click", newSession);
}

export { wireResearch };
