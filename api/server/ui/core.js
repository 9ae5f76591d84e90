// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// core: the key, the API call, formatting and the table helpers every view shares.

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

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

const status = (text) => { $("#run-status").textContent = text; };

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

export { KEY_SLOT, MODES, $, takeKeyFromUrl, apiKey, KeyRefused, api, fmtMoney, fmtQty, fmtPct, words, cells, row,
  reasonsText, svg, status, showKeyForm, guarded };
