// hedgegraph operator page: vanilla JS modules, no build step, nothing loaded from outside this
// server. It is one more client of the API: every call carries the key, every action is a public
// route, so nothing here can reach the broker except through the risk gate.
// graph: the compiled graph drawn from the API's shape, each node lit as its tasks start and finish.
import { $, api, svg } from "./core.js";

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
async function drawGraph(mode) {
  graphView.draw(await api(`/api/v1/ui/graph/${mode}`));
}

export { graphView, drawGraph };
