// Flows: who shares with whom under which agreement, since the gateway started
// (GET /v1/admin/flows). A map (inline SVG built with DOM APIs) and the same data as a table.
import { getJson } from '../api.js';
import { el, errorBox, show, table } from '../ui.js';
import { count, formatTime, heading, refreshBar, showData } from './page-kit.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 960;
const HEIGHT = 560;
const REFRESH_MS = 10000;

// Edge styles: the dash pattern and the legend's words carry the meaning, colour only repeats it.
export const EDGE_CLASSES = {
  active: { label: 'Active agreement', line: 'solid' },
  held: { label: 'Not granting now (awaiting signatures, draft, shadow, expired, no longer loaded)', line: 'dashed' },
  suspended: { label: 'Suspended agreement', line: 'dotted' },
  none: { label: 'No agreement covers it (refusals and notices)', line: 'dash-dot' },
};

// The governance state of a flow -> one of EDGE_CLASSES.
export function edgeClass(flow) {
  if (!flow.agreement) return 'none';
  if (flow.governance === 'active') return 'active';
  if (flow.governance === 'suspended') return 'suspended';
  return 'held';
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Agencies grouped by kind, then by id, evenly spaced on a circle: the same data always draws
// the same map, and agencies of one kind sit together.
export function layout(agencies) {
  const sorted = [...agencies].sort((a, b) =>
    (a.kind ?? '').localeCompare(b.kind ?? '') || a.id.localeCompare(b.id));
  const cx = WIDTH / 2;
  const cy = HEIGHT / 2;
  // An ellipse as wide as the labels allow: a laptop screen is wider than tall.
  const rx = WIDTH / 2 - 190;
  const ry = HEIGHT / 2 - 60;
  const positions = new Map();
  sorted.forEach((agency, i) => {
    const angle = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(sorted.length, 1);
    positions.set(agency.id, { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle), angle });
  });
  return positions;
}

// Every edge of the map: the agreement flows and the refusals no agreement covered.
function edgesOf(data) {
  const flows = (data.flows ?? []).map((f) => ({ ...f, kind: edgeClass(f) }));
  const unmatched = (data.unmatched ?? []).map((u) => ({ ...u, agreement: null, events: [], kind: 'none' }));
  return [...flows, ...unmatched];
}

// A quadratic curve from a to b bending to the left of the direction of travel, so a -> b and
// b -> a never overlap; the nth edge of one pair bends further.
function curve(a, b, nth) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const bend = 30 + 28 * nth;
  const mx = (a.x + b.x) / 2 + (dy / length) * bend;
  const my = (a.y + b.y) / 2 - (dx / length) * bend;
  // Stop short of the nodes' circles so the arrowheads stay visible.
  const trim = (p, toward) => {
    const tx = toward.x - p.x;
    const ty = toward.y - p.y;
    const d = Math.hypot(tx, ty) || 1;
    return { x: p.x + (tx / d) * 22, y: p.y + (ty / d) * 22 };
  };
  const start = trim(a, { x: mx, y: my });
  const end = trim(b, { x: mx, y: my });
  // The point at t of the curve: where a label may sit.
  const at = (t) => ({
    x: (1 - t) * (1 - t) * start.x + 2 * (1 - t) * t * mx + t * t * end.x,
    y: (1 - t) * (1 - t) * start.y + 2 * (1 - t) * t * my + t * t * end.y,
  });
  return {
    d: `M ${start.x.toFixed(1)} ${start.y.toFixed(1)} Q ${mx.toFixed(1)} ${my.toFixed(1)} ${end.x.toFixed(1)} ${end.y.toFixed(1)}`,
    at,
  };
}

// Places each label at the first point along its curve (middle first) whose box overlaps no
// label placed before; the last candidate when every one does. Deterministic, like the layout.
const LABEL_STOPS = [0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8];
function placeLabel(text, at, placed) {
  const w = text.length * 6.6 + 6;
  const h = 15;
  let box;
  for (const t of LABEL_STOPS) {
    const p = at(t);
    box = { x: p.x - w / 2, y: p.y - h / 2, w, h, cx: p.x, cy: p.y };
    if (!placed.some((b) => box.x < b.x + b.w && b.x < box.x + box.w && box.y < b.y + b.h && b.y < box.y + box.h)) break;
  }
  placed.push(box);
  return box;
}

// "3 shared, 1 refused"; empty for a flow that carried nothing yet (no label on the map).
export function edgeLabel(edge) {
  const parts = [];
  if (edge.shared) parts.push(`${count(edge.shared)} shared`);
  if (edge.refused) parts.push(`${count(edge.refused)} refused`);
  return parts.join(', ');
}

function legend() {
  const items = Object.entries(EDGE_CLASSES).map(([kind, { label }]) =>
    el('li', {}, svg('svg', { class: 'swatch', width: 44, height: 10, viewBox: '0 0 44 10', 'aria-hidden': 'true', focusable: 'false' },
      svg('line', { x1: 1, y1: 5, x2: 43, y2: 5, class: `edge edge-${kind}` })), label));
  return el('ul', { class: 'flows-legend', 'aria-label': 'Legend' }, items);
}

function map(data) {
  const positions = layout(data.agencies ?? []);
  const defs = svg('defs', {}, Object.keys(EDGE_CLASSES).map((kind) =>
    svg('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
      svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: `arrowhead edge-${kind}` }))));
  const seen = new Map();
  const edges = [];
  const labels = [];
  const placed = [];
  for (const edge of edgesOf(data)) {
    const a = positions.get(edge.from);
    const b = positions.get(edge.to);
    if (!a || !b) continue;
    const key = `${edge.from}\u0000${edge.to}`;
    const nth = seen.get(key) ?? 0;
    seen.set(key, nth + 1);
    const { d, at } = curve(a, b, nth);
    const what = edge.agreement ? `${edge.agreement} (${edge.governance})` : 'no agreement';
    edges.push(svg('path', { d, class: `edge edge-${edge.kind}`, 'marker-end': `url(#arrow-${edge.kind})` },
      svg('title', {}, `${edge.from} → ${edge.to}: ${what}; ${edgeLabel(edge) || 'nothing yet'}`)));
    const text = edgeLabel(edge);
    if (text) {
      const box = placeLabel(text, at, placed);
      labels.push(svg('text', { x: box.cx.toFixed(1), y: (box.cy + 4).toFixed(1), class: 'edge-label', 'text-anchor': 'middle' }, text));
    }
  }
  const nodes = (data.agencies ?? []).map((agency) => {
    const p = positions.get(agency.id);
    const right = Math.cos(p.angle) >= -0.01;
    const lx = p.x + Math.cos(p.angle) * 28;
    const ly = p.y + Math.sin(p.angle) * 28 + (Math.abs(Math.cos(p.angle)) < 0.3 ? Math.sign(Math.sin(p.angle)) * 8 : 0);
    const anchor = Math.abs(Math.cos(p.angle)) < 0.3 ? 'middle' : right ? 'start' : 'end';
    return svg('g', { class: `node kind-${agency.kind ?? 'other'}` },
      svg('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 18 }),
      svg('text', { x: lx.toFixed(1), y: ly.toFixed(1), 'text-anchor': anchor, class: 'node-label' },
        svg('tspan', { x: lx.toFixed(1), dy: '0' }, agency.id),
        svg('tspan', { x: lx.toFixed(1), dy: '1.2em', class: 'node-kind' }, agency.kind ?? '')));
  });
  return svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': 'Flows map', class: 'flows-map', preserveAspectRatio: 'xMidYMid meet' },
    defs, svg('g', { class: 'edges' }, edges), svg('g', { class: 'nodes' }, nodes), svg('g', { class: 'labels' }, labels));
}

function flowsTable(data) {
  const names = new Map((data.agencies ?? []).map((a) => [a.id, a.name]));
  const who = (id) => {
    if (id === '-') return 'no recipient';
    return names.get(id) && names.get(id) !== id ? `${id} (${names.get(id)})` : id;
  };
  const rows = edgesOf(data).sort((x, y) => x.from.localeCompare(y.from) || x.to.localeCompare(y.to) ||
    (x.agreement ?? '').localeCompare(y.agreement ?? ''));
  return table('Flows', [
    { label: 'From', value: (r) => who(r.from) },
    { label: 'To', value: (r) => who(r.to) },
    { label: 'Agreement', value: (r) => (r.agreement ? el('a', { href: `#/agreements/${r.agreement}` }, r.agreement) : 'none') },
    { label: 'Governance', value: (r) => (r.agreement ? `${r.governance ?? 'unknown'} (${EDGE_CLASSES[r.kind].line} line)` : `no agreement (${EDGE_CLASSES.none.line} line)`) },
    { label: 'Events', value: (r) => (r.events?.length ? r.events.join(', ') : '—') },
    { label: 'Shared', class: 'num', value: (r) => count(r.shared) },
    { label: 'Refused', class: 'num', value: (r) => count(r.refused) },
  ], rows);
}

export async function render(root, ctx) {
  const body = el('div', { class: 'flows-body' });
  const load = async (asked) => {
    try {
      const data = await getJson('/v1/admin/flows');
      showData(body, data,
        el('p', {}, `Copies shared and refused since the gateway started (${formatTime(data.since)}).`),
        el('figure', { class: 'flows-figure' }, map(data), el('figcaption', {}, legend())),
        flowsTable(data));
      if (asked) ctx.announce('Flows refreshed');
    } catch (error) {
      showData(body, { error: error.code }, errorBox(error));
    }
  };
  show(root, heading('Flows', 'Agencies as nodes, agreement flows as arrows from sender to recipient.'),
    refreshBar({ load, everyMs: REFRESH_MS }), body);
  await load(false);
}
