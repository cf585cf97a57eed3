/**
 * Lays a statechart out for SVG, by hand: each compound state places its children in layers, left to right,
 * along the transitions between them (longest path from the initial state, back edges ignored); a parallel state
 * stacks its regions. Transitions become cubic curves: forward ones between facing sides, backward ones looping
 * under the boxes, self-transitions as small loops. Pure; part of the inspector's lazily loaded chunk.
 *
 * Why not elkjs: the machines are small (at most a few dozen states), and a hand layout of 200 lines costs a few
 * KB, where elkjs costs over 1 MB and a worker. The layout also knows statechart conventions elkjs does not
 * (parallel regions, "from any state" transitions).
 *
 * @module
 */
import type { MachineGraph, StateGraphNode } from '../../recorder/graph.js';

/** A state's box. Coordinates are absolute within the chart. */
export interface StateBox {
  node: StateGraphNode;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Nesting depth: 0 for the machine itself. */
  depth: number;
  children: StateBox[];
  /** Events of transitions that come from an ancestor ("in any state"), shown in the box's header. */
  fromAbove: string[];
}

/** A drawn transition (every transition between the same two states, merged). */
export interface EdgeShape {
  /** Transition keys drawn by this edge. */
  keys: string[];
  source: string;
  target: string;
  /** Short label: the events, joined. */
  label: string;
  /** Every event, in full. */
  title: string;
  /** SVG path data. */
  d: string;
  /** Where the label goes. */
  lx: number;
  ly: number;
  /** The transition comes from an enclosing state: drawn as a short stub into the target. */
  stub: boolean;
}

/** A laid-out chart. */
export interface ChartLayout {
  width: number;
  height: number;
  root: StateBox;
  boxes: Map<string, StateBox>;
  edges: EdgeShape[];
}

const CHAR = 6.4;
const ATOMIC_H = 26;
const HEADER = 22;
const PAD = 10;
const COL_GAP = 64;
const ROW_GAP = 16;
const BACK_ROOM = 26;

/** `xstate.after.connectTimeout.peer.connecting` → `after connectTimeout`, `xstate.done.actor.acquire` → `done acquire`. */
export function shortEvent(event: string): string {
  if (!event) return 'always';
  const after = /^xstate\.after\.([^.]+)/.exec(event);
  if (after) return `after ${after[1]}`;
  const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (done) return `${done[1]} ${done[2]}`;
  return event;
}

/** The child of `parent` that is `id` or contains it. */
function childToward(parent: StateGraphNode, id: string): StateGraphNode | undefined {
  return parent.children.find((child) => id === child.id || id.startsWith(`${child.id}.`));
}

/** Every transition in the subtree of `node`, with its source. */
function subtreeTransitions(node: StateGraphNode): { source: string; event: string; targets: string[] }[] {
  return [
    ...node.transitions.map((t) => ({ source: node.id, event: t.event, targets: t.targets })),
    ...node.children.flatMap(subtreeTransitions),
  ];
}

interface Sized {
  node: StateGraphNode;
  w: number;
  h: number;
  /** Relative positions of children. */
  children: { box: Sized; x: number; y: number }[];
}

function size(node: StateGraphNode, isRoot: boolean): Sized {
  if (!node.children.length) {
    return { node, w: Math.max(70, node.key.length * CHAR + 24), h: ATOMIC_H, children: [] };
  }
  const kids = node.children.map((child) => size(child, false));
  const top = isRoot ? PAD + 4 : HEADER + 6;
  if (node.type === 'parallel') {
    let y = top;
    const width = Math.max(...kids.map((k) => k.w));
    const children = kids.map((box) => {
      box.w = width;
      const placed = { box, x: PAD, y };
      y += box.h + 8;
      return placed;
    });
    return { node, w: width + 2 * PAD, h: y - 8 + PAD, children };
  }
  // Layers: longest path from the initial child along sibling transitions, ignoring edges that close a cycle.
  const index = new Map(node.children.map((child, i) => [child.id, i]));
  const next = node.children.map(() => new Set<number>());
  for (const t of subtreeTransitions(node)) {
    const from = childToward(node, t.source);
    if (!from) continue;
    for (const target of t.targets) {
      const to = childToward(node, target);
      if (to && to !== from) next[index.get(from.id)!]!.add(index.get(to.id)!);
    }
  }
  const order: number[] = [];
  const state = node.children.map(() => 0);
  const back = new Set<string>();
  const visit = (i: number): void => {
    state[i] = 1;
    for (const j of next[i]!) {
      if (state[j] === 1) back.add(`${i}>${j}`);
      else if (state[j] === 0) visit(j);
    }
    state[i] = 2;
    order.push(i);
  };
  const initial = node.children.findIndex((child) => child.key === node.initial);
  if (initial >= 0) visit(initial);
  node.children.forEach((_, i) => state[i] === 0 && visit(i));
  const rank = node.children.map(() => 0);
  for (const i of order.reverse())
    for (const j of next[i]!) if (!back.has(`${i}>${j}`)) rank[j] = Math.max(rank[j]!, rank[i]! + 1);
  const columns: number[][] = [];
  rank.forEach((r, i) => (columns[r] ??= []).push(i));
  const dense = columns.filter(Boolean);
  const heights = dense.map((col) => col.reduce((sum, i) => sum + kids[i]!.h, 0) + (col.length - 1) * ROW_GAP);
  const tallest = Math.max(...heights);
  const children: Sized['children'] = [];
  let x = PAD;
  dense.forEach((col, c) => {
    const width = Math.max(...col.map((i) => kids[i]!.w));
    let y = top + (tallest - heights[c]!) / 2;
    for (const i of col) {
      const box = kids[i]!;
      children[i] = { box, x: x + (width - box.w) / 2, y };
      y += box.h + ROW_GAP;
    }
    x += width + COL_GAP;
  });
  const backRoom = back.size || dense.length > 1 ? BACK_ROOM : 0;
  return { node, w: x - COL_GAP + PAD, h: top + tallest + PAD + backRoom, children };
}

function place(sized: Sized, x: number, y: number, depth: number, boxes: Map<string, StateBox>): StateBox {
  const box: StateBox = { node: sized.node, x, y, w: sized.w, h: sized.h, depth, children: [], fromAbove: [] };
  boxes.set(sized.node.id, box);
  box.children = sized.children.map((child) => place(child.box, x + child.x, y + child.y, depth + 1, boxes));
  return box;
}

const contains = (outer: StateBox, inner: StateBox): boolean => inner.node.id.startsWith(`${outer.node.id}.`);

function curve(
  x1: number,
  y1: number,
  c1x: number,
  c1y: number,
  c2x: number,
  c2y: number,
  x2: number,
  y2: number,
): { d: string; lx: number; ly: number } {
  const at = (a: number, b: number, c: number, d: number) => (a + 3 * b + 3 * c + d) / 8;
  return {
    d: `M${x1},${y1} C${c1x},${c1y} ${c2x},${c2y} ${x2},${y2}`,
    lx: at(x1, c1x, c2x, x2),
    ly: at(y1, c1y, c2y, y2),
  };
}

/** The path of an edge from `s` to `t`, and where its label goes. */
function route(s: StateBox, t: StateBox, lane: number): { d: string; lx: number; ly: number; stub: boolean } {
  if (s === t || contains(t, s)) {
    // A self-transition (or back to an enclosing state): a loop on the top right corner.
    const x = s.x + s.w - 14;
    const y = s.y;
    return { ...curve(x - 10, y, x - 14, y - 22, x + 18, y - 22, x + 6, y), stub: false };
  }
  if (contains(s, t)) {
    const x = t.x - 16;
    return { d: `M${x},${t.y + t.h / 2} L${t.x},${t.y + t.h / 2}`, lx: x, ly: t.y + t.h / 2, stub: true };
  }
  const sRight = s.x + s.w;
  const tRight = t.x + t.w;
  if (t.x >= sRight - 4) {
    const y1 = s.y + Math.min(s.h / 2, 13) + lane * 6;
    const y2 = t.y + Math.min(t.h / 2, 13) + lane * 6;
    const dx = Math.max(24, (t.x - sRight) / 2);
    return { ...curve(sRight, y1, sRight + dx, y1, t.x - dx, y2, t.x, y2), stub: false };
  }
  if (tRight <= s.x + 4 && s.y + s.h / 2 < t.y + t.h / 2 - 4) {
    // Backward from higher up: over both boxes.
    const y = Math.min(s.y, t.y) - 16 - lane * 7;
    const x1 = s.x + s.w / 2 - 6;
    const x2 = t.x + t.w / 2 + 6;
    return { ...curve(x1, s.y, x1, y, x2, y, x2, t.y), stub: false };
  }
  if (tRight <= s.x + 4) {
    // Backward: under both boxes.
    const y = Math.max(s.y + s.h, t.y + t.h) + 18 + lane * 7;
    const x1 = s.x + s.w / 2 - 6;
    const x2 = t.x + t.w / 2 + 6;
    return { ...curve(x1, s.y + s.h, x1, y, x2, y, x2, t.y + t.h), stub: false };
  }
  // Same column.
  if (t.y > s.y) {
    const x = Math.min(sRight, tRight) - 12 - lane * 6;
    return { ...curve(x, s.y + s.h, x, s.y + s.h + 8, x, t.y - 8, x, t.y), stub: false };
  }
  const x = Math.max(sRight, tRight);
  return {
    ...curve(sRight, s.y + s.h / 2, x + 30, s.y + s.h / 2, x + 30, t.y + t.h / 2, tRight, t.y + t.h / 2),
    stub: false,
  };
}

const cache = new WeakMap<MachineGraph, ChartLayout>();

/**
 * Lays out a machine's statechart.
 *
 * @example
 * const { width, height, boxes, edges } = layoutMachine(describeMachine(peerMachine));
 */
export function layoutMachine(graph: MachineGraph): ChartLayout {
  const cached = cache.get(graph);
  if (cached) return cached;
  const boxes = new Map<string, StateBox>();
  const root = place(size(graph.root, true), 0, 0, 0, boxes);
  const merged = new Map<string, { source: string; target: string; keys: string[]; events: string[] }>();
  for (const box of boxes.values())
    for (const t of box.node.transitions)
      for (const target of t.targets) {
        const id = `${box.node.id}>${target}`;
        const edge = merged.get(id) ?? { source: box.node.id, target, keys: [], events: [] };
        edge.keys.push(t.key);
        const event = shortEvent(t.event);
        if (!edge.events.includes(event)) edge.events.push(event);
        merged.set(id, edge);
      }
  const lanes = new Map<string, number>();
  const edges: EdgeShape[] = [];
  // One label per source and event list: four `error acquire` arrows fanning out need it said once.
  const said = new Set<string>();
  let extra = 0;
  for (const edge of merged.values()) {
    const s = boxes.get(edge.source);
    const t = boxes.get(edge.target);
    if (!s || !t) continue;
    const pair = [edge.source, edge.target].sort().join('|');
    const lane = lanes.get(pair) ?? 0;
    lanes.set(pair, lane + 1);
    const shape = route(s, t, lane);
    if (shape.stub) for (const event of edge.events) if (!t.fromAbove.includes(event)) t.fromAbove.push(event);
    const title = edge.events.join(', ');
    const once = `${edge.source}|${title}`;
    const label = said.has(once) ? '' : title.length > 30 ? `${title.slice(0, 29)}…` : title;
    said.add(once);
    edges.push({
      keys: edge.keys,
      source: edge.source,
      target: edge.target,
      label,
      title,
      ...shape,
    });
    extra = Math.max(extra, shape.ly + 12 - root.h);
  }
  const layout: ChartLayout = { width: root.w + 24, height: root.h + Math.max(0, extra), root, boxes, edges };
  cache.set(graph, layout);
  return layout;
}

/** Ids of the states a state value makes active, the machine's own root included. */
export function activeStates(graph: MachineGraph, value: unknown): Set<string> {
  const active = new Set<string>();
  const walk = (node: StateGraphNode, value: unknown): void => {
    active.add(node.id);
    if (typeof value === 'string') {
      const child = node.children.find((c) => c.key === value);
      if (child) active.add(child.id);
      return;
    }
    if (value && typeof value === 'object')
      for (const [key, sub] of Object.entries(value)) {
        const child = node.children.find((c) => c.key === key);
        if (child) walk(child, sub);
      }
  };
  walk(graph.root, value);
  return active;
}
