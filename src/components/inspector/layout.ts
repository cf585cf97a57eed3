/**
 * Lays a statechart out for SVG with dagre (`@dagrejs/dagre`, about 17 KiB gzip, part of the inspector's lazily
 * loaded chunk), one compound state at a time, innermost first: each compound state's children (already sized)
 * are laid out left to right along the transitions between them, with every transition label placed as a node of
 * its own, so that no label overlaps a box or another label, and no edge crosses a box it does not connect. A
 * parallel state stacks its regions. A transition is drawn at the level of the innermost state that contains both
 * ends: from `room.joining` to `ended` is an arrow from the `room` box to `ended`; the exact source and target are in
 * its title. Transitions that apply in any state of a compound state (`on` of the parent, targeting a child) leave
 * from a small `∗` node in that state. Self-transitions are loops under their box, with room made for them.
 *
 * Why dagre and not elkjs: elkjs is over 1 MB and needs a worker; dagre is small, synchronous and, laid out one
 * level at a time, gives clean charts for every machine of the kit (a browser test checks the bounding boxes).
 *
 * @module
 */
import { graphlib, layout as dagreLayout } from '@dagrejs/dagre';
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
}

/** The `∗` node that "from any state of …" transitions leave from. */
export interface AnyNode {
  /** Id of the compound state whose `on` holds the transitions. */
  owner: string;
  x: number;
  y: number;
  r: number;
}

/** A drawn transition: every transition between the same two boxes at one level, merged. */
export interface EdgeShape {
  /** Transition keys drawn by this edge. */
  keys: string[];
  /** Id of the box it leaves (a state, or the owner of the `∗` node it leaves from). */
  source: string;
  /** Id of the box it enters. */
  target: string;
  /** It leaves from the `∗` node of `source`: "in any state of `source`". */
  any: boolean;
  /** The label's lines (the events, shortened); empty when a sibling edge already says it. */
  lines: string[];
  /** Every transition, in full: `room.joining → ended on call.leave`. */
  title: string;
  /** SVG path data. */
  d: string;
  /** The label's box (centre x, centre y, width, height). */
  lx: number;
  ly: number;
  lw: number;
  lh: number;
}

/** A laid-out chart. */
export interface ChartLayout {
  width: number;
  height: number;
  root: StateBox;
  boxes: Map<string, StateBox>;
  anyNodes: AnyNode[];
  edges: EdgeShape[];
}

/** Width of a character of a state name (11px sans) and of an edge label (9.5px monospace), with a margin. */
const CHAR = 6.6;
const LABEL_CHAR = 6.1;
const LINE = 12;
const ATOMIC_H = 26;
const HEADER = 24;
const PAD = 12;
const ANY_R = 5;
/** Longest line of an edge label, in characters. */
const LABEL_COLUMNS = 26;
/** The chart area a layout should fit without shrinking: the inspector's chart column. */
const FIT_W = 620;
const FIT_H = 420;
/** Room under a box for its self-transition loops, above their label. */
const LOOP = 16;

/** `xstate.after.connectTimeout.peer.connecting` → `after connectTimeout`, `xstate.done.actor.acquire` → `done acquire`. */
export function shortEvent(event: string): string {
  if (!event) return 'always';
  const after = /^xstate\.after\.([^.]+)/.exec(event);
  if (after) return `after ${after[1]}`;
  const done = /^xstate\.(done|error)\.actor\.(.+)$/.exec(event);
  if (done) return `${done[1]} ${done[2]}`;
  return event;
}

/** Events as label lines: several per line while they fit, a long one cut. */
function labelLines(events: string[]): string[] {
  const lines: string[] = [];
  for (const event of events) {
    const text = event.length > LABEL_COLUMNS ? `${event.slice(0, LABEL_COLUMNS - 1)}…` : event;
    const last = lines.at(-1);
    if (last !== undefined && last.length + 2 + text.length <= LABEL_COLUMNS)
      lines[lines.length - 1] = `${last}, ${text}`;
    else lines.push(text);
  }
  return lines
    .slice(0, 4)
    .map((line, i, all) => (i === 3 && events.length > 4 && all.length === 4 ? `${line} …` : line));
}

const isInside = (id: string, ancestor: string): boolean => id.startsWith(`${ancestor}.`);

/** The child of `parent` that is `id` or contains it. */
function childToward(parent: StateGraphNode, id: string): StateGraphNode | undefined {
  return parent.children.find((child) => id === child.id || isInside(id, child.id));
}

/** A transition as drawn at one level: between two children of a compound state (or its `∗` node, or a loop). */
interface Projected {
  from: string;
  to: string;
  any: boolean;
  key: string;
  event: string;
  title: string;
}

/** Laid out relative to its own top-left corner. */
interface Sized {
  node: StateGraphNode;
  w: number;
  h: number;
  children: { box: Sized; x: number; y: number }[];
  any?: { x: number; y: number };
  edges: Omit<EdgeShape, 'd'>[];
  paths: { x: number; y: number }[][];
  /** Self-loops of children: child id → lines. */
  loops: Map<string, { keys: string[]; lines: string[]; title: string }>;
}

/** Every transition of the machine, with where it is drawn: the compound state holding both ends. */
function project(root: StateGraphNode): Map<string, Projected[]> {
  const byLevel = new Map<string, Projected[]>();
  const add = (level: string, p: Projected): void => {
    const list = byLevel.get(level) ?? [];
    list.push(p);
    byLevel.set(level, list);
  };
  const nodes = new Map<string, StateGraphNode>();
  const parents = new Map<string, string>();
  const index = (node: StateGraphNode): void => {
    nodes.set(node.id, node);
    for (const child of node.children) {
      parents.set(child.id, node.id);
      index(child);
    }
  };
  index(root);
  for (const node of nodes.values())
    for (const t of node.transitions)
      for (const target of t.targets) {
        const event = shortEvent(t.event);
        const base = {
          key: t.key,
          event,
          title: `${node.id} → ${target} on ${event}${t.guard ? ` [${t.guard}]` : ''}`,
        };
        if (target === node.id || isInside(node.id, target)) {
          // A self-transition, or back into an enclosing state: a loop on that state.
          const parent = parents.get(target);
          if (parent) add(parent, { ...base, from: target, to: target, any: false });
          continue;
        }
        if (isInside(target, node.id)) {
          const child = childToward(node, target)!;
          add(node.id, { ...base, from: node.id, to: child.id, any: true });
          continue;
        }
        // The innermost state that holds both ends.
        let level = parents.get(node.id);
        while (level && !isInside(target, level)) level = parents.get(level);
        if (!level) continue;
        const holder = nodes.get(level)!;
        add(level, {
          ...base,
          from: childToward(holder, node.id)!.id,
          to: childToward(holder, target)!.id,
          any: false,
        });
      }
  return byLevel;
}

function size(node: StateGraphNode, isRoot: boolean, byLevel: Map<string, Projected[]>): Sized {
  const empty = { edges: [], paths: [], loops: new Map() };
  if (!node.children.length)
    return { node, w: Math.max(72, node.key.length * CHAR + 26), h: ATOMIC_H, children: [], ...empty };
  const kids = node.children.map((child) => size(child, false, byLevel));
  const projected = byLevel.get(node.id) ?? [];
  // Merge transitions between the same two boxes.
  const merged = new Map<
    string,
    { from: string; to: string; any: boolean; keys: string[]; events: string[]; titles: string[] }
  >();
  for (const p of projected) {
    const id = `${p.any ? '*' : ''}${p.from}>${p.to}`;
    const edge = merged.get(id) ?? { from: p.from, to: p.to, any: p.any, keys: [], events: [], titles: [] };
    edge.keys.push(p.key);
    if (!edge.events.includes(p.event)) edge.events.push(p.event);
    edge.titles.push(p.title);
    merged.set(id, edge);
  }
  const loops: Sized['loops'] = new Map();
  for (const edge of merged.values())
    if (edge.from === edge.to)
      // Loops are drawn under their box, in room kept free for them.
      loops.set(edge.from, { keys: edge.keys, lines: labelLines(edge.events), title: edge.titles.join('\n') });
  const loopRoom = (id: string): number => {
    const loop = loops.get(id);
    return loop ? LOOP + loop.lines.length * LINE + 4 : 0;
  };
  const parallel = node.type === 'parallel';
  if (parallel) {
    const width = Math.max(...kids.map((k) => k.w));
    for (const kid of kids) kid.w = width;
  }
  const anyId = `${node.id}.*`;
  const build = (rankdir: 'LR' | 'TB'): InstanceType<typeof graphlib.Graph> => {
    const g = new graphlib.Graph({ multigraph: true });
    g.setGraph({ rankdir, nodesep: 18, ranksep: 26, edgesep: 10, marginx: 0, marginy: 0 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const kid of kids) {
      const room = loopRoom(kid.node.id);
      const lw = room ? Math.max(...loops.get(kid.node.id)!.lines.map((l) => l.length)) * LABEL_CHAR + 8 : 0;
      g.setNode(kid.node.id, { width: Math.max(kid.w, lw), height: kid.h + room });
    }
    const said = new Set<string>();
    let n = 0;
    for (const edge of merged.values()) {
      if (edge.from === edge.to) continue;
      if (edge.any && !g.hasNode(anyId)) g.setNode(anyId, { width: ANY_R * 2, height: ANY_R * 2 });
      // One label per source and event list: a `∗` fanning out to seven states says `ice.connection` once.
      const once = `${edge.any ? anyId : edge.from}|${edge.events.join(',')}`;
      const lines = said.has(once) ? [] : labelLines(edge.events);
      said.add(once);
      const lw = lines.length ? Math.max(...lines.map((l) => l.length)) * LABEL_CHAR + 8 : 0;
      const lh = lines.length * LINE + (lines.length ? 2 : 0);
      g.setEdge(
        edge.any ? anyId : edge.from,
        edge.to,
        { width: lw, height: lh, labelpos: 'c', keys: edge.keys, lines, title: edge.titles.join('\n'), any: edge.any },
        `e${n++}`,
      );
    }
    dagreLayout(g);
    return g;
  };
  // Left to right reads best, unless top to bottom fits the inspector's column clearly better.
  const lr = build('LR');
  const tb = parallel ? lr : build('TB');
  const fit = (g: typeof lr): number => {
    const { width, height } = g.graph() as { width: number; height: number };
    return Math.max(width / FIT_W, height / FIT_H);
  };
  const g = fit(tb) < fit(lr) * 0.85 ? tb : lr;
  const down = g === tb && !parallel;
  const top = isRoot ? PAD : HEADER + 6;
  const children: Sized['children'] = kids.map((box) => {
    const placed = g.node(box.node.id) as { x: number; y: number; width: number; height: number };
    return { box, x: PAD + placed.x - box.w / 2, y: top + placed.y - placed.height / 2 };
  });
  const edges: Sized['edges'] = [];
  const paths: Sized['paths'] = [];
  // Ranks are columns (rows when laid out top to bottom): every node and label of a rank shares its centre on the
  // rank axis. An edge crosses a rank straight across (where dagre put it in that rank), and slopes only in the
  // gaps between ranks, where nothing is. Routing works in a frame whose x is the rank axis.
  type P = { x: number; y: number };
  const flip = (p: P): P => (down ? { x: p.y, y: p.x } : p);
  const bands = new Map<number, number>();
  const widen = (c: number, half: number): void => {
    const key = Math.round(c);
    bands.set(key, Math.max(bands.get(key) ?? 0, half));
  };
  for (const id of g.nodes()) {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    widen(down ? n.y : n.x, (down ? n.height : n.width) / 2);
  }
  for (const e of g.edges()) {
    const l = g.edge(e) as { x?: number; y?: number; width: number; height: number };
    if (l.x !== undefined && l.y !== undefined) widen(down ? l.y : l.x, (down ? l.height : l.width) / 2);
  }
  const band = (c: number): number | undefined => {
    for (const [key, half] of bands) if (Math.abs(key - c) < 1.5) return half;
    return undefined;
  };
  /** A node's box as drawn (a state with a loop is drawn shorter than the room dagre keeps for it), flipped. */
  const drawn = (id: string): { cx: number; cy: number; w: number; top: number; bottom: number } => {
    const n = g.node(id) as { x: number; y: number; width: number; height: number };
    const kid = kids.find((k) => k.node.id === id);
    const w = kid ? kid.w : n.width;
    const h = kid ? kid.h : n.height;
    const top = n.y - n.height / 2;
    const c = flip({ x: n.x, y: top + h / 2 });
    const [along, across] = down ? [h, w] : [w, h];
    return { cx: c.x, cy: c.y, w: along, top: c.y - across / 2, bottom: c.y + across / 2 };
  };
  const routed = (v: string, w: string, raw: P[]): P[] => {
    const s = drawn(v);
    const t = drawn(w);
    const inner = raw.slice(1, -1).map(flip);
    const out: P[] = [];
    const clampY = (y: number, box: typeof s): number =>
      box.bottom - box.top < 12 ? box.cy : Math.min(box.bottom - 5, Math.max(box.top + 5, y));
    const firstX = (inner[0] ?? { x: t.cx }).x;
    const out0 = Math.sign(firstX - s.cx) || 1;
    const y0 = clampY((inner[0] ?? { y: t.cy }).y, s);
    out.push({ x: s.cx + (out0 * s.w) / 2, y: y0 });
    const sBand = band(s.cx) ?? s.w / 2;
    if (sBand > s.w / 2 + 0.5) out.push({ x: s.cx + out0 * sBand, y: y0 });
    inner.forEach((p, k) => {
      const half = band(p.x);
      const prev = k === 0 ? s.cx : inner[k - 1]!.x;
      const dir = Math.sign(p.x - prev) || out0;
      if (half === undefined || half < 0.5) out.push(p);
      else out.push({ x: p.x - dir * half, y: p.y }, { x: p.x + dir * half, y: p.y });
    });
    const lastX = (inner.at(-1) ?? { x: s.cx }).x;
    const in1 = Math.sign(t.cx - lastX) || out0;
    const y1 = clampY((inner.at(-1) ?? { y: s.cy }).y, t);
    const tBand = band(t.cx) ?? t.w / 2;
    if (tBand > t.w / 2 + 0.5) out.push({ x: t.cx - in1 * tBand, y: y1 });
    out.push({ x: t.cx - (in1 * t.w) / 2, y: y1 });
    return out.map(flip).map((p) => ({ x: PAD + p.x, y: top + p.y }));
  };
  for (const e of g.edges()) {
    const label = g.edge(e) as {
      points: { x: number; y: number }[];
      x?: number;
      y?: number;
      width: number;
      height: number;
      keys: string[];
      lines: string[];
      title: string;
      any: boolean;
    };
    const source = e.v === anyId ? node.id : e.v;
    const points = routed(e.v, e.w, label.points);
    paths.push(points);
    edges.push({
      keys: label.keys,
      source,
      target: e.w,
      any: label.any,
      lines: label.lines,
      title: label.title,
      lx: PAD + (label.x ?? 0),
      ly: top + (label.y ?? 0),
      lw: label.width,
      lh: label.height,
    });
  }
  const graph = g.graph() as { width: number; height: number };
  const any = g.hasNode(anyId) ? (g.node(anyId) as { x: number; y: number }) : undefined;
  return {
    node,
    w: Math.max(graph.width + 2 * PAD, node.key.length * CHAR + 2 * PAD),
    h: top + graph.height + PAD,
    children,
    ...(any ? { any: { x: PAD + any.x, y: top + any.y } } : {}),
    edges,
    paths,
    loops,
  };
}

/** A polyline with its corners rounded (radius up to 8), which stays next to dagre's route. */
function rounded(points: { x: number; y: number }[]): string {
  if (points.length < 3) return `M${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' L')}`;
  let d = `M${points[0]!.x.toFixed(1)},${points[0]!.y.toFixed(1)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1]!, points[i]!, points[i + 1]!];
    const r = Math.min(8, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const towards = (p: { x: number; y: number }): { x: number; y: number } => {
      const len = Math.hypot(p.x - b.x, p.y - b.y) || 1;
      return { x: b.x + ((p.x - b.x) / len) * r, y: b.y + ((p.y - b.y) / len) * r };
    };
    const p1 = towards(a);
    const p2 = towards(c);
    d += ` L${p1.x.toFixed(1)},${p1.y.toFixed(1)} Q${b.x.toFixed(1)},${b.y.toFixed(1)} ${p2.x.toFixed(1)},${p2.y.toFixed(1)}`;
  }
  const last = points.at(-1)!;
  return `${d} L${last.x.toFixed(1)},${last.y.toFixed(1)}`;
}

function place(
  sized: Sized,
  x: number,
  y: number,
  depth: number,
  out: { boxes: Map<string, StateBox>; edges: EdgeShape[]; anyNodes: AnyNode[] },
): StateBox {
  const box: StateBox = { node: sized.node, x, y, w: sized.w, h: sized.h, depth, children: [] };
  out.boxes.set(sized.node.id, box);
  box.children = sized.children.map((child) => place(child.box, x + child.x, y + child.y, depth + 1, out));
  if (sized.any) out.anyNodes.push({ owner: sized.node.id, x: x + sized.any.x, y: y + sized.any.y, r: ANY_R });
  sized.edges.forEach((edge, i) => {
    const points = sized.paths[i]!.map((p) => ({ x: x + p.x, y: y + p.y }));
    out.edges.push({ ...edge, lx: x + edge.lx, ly: y + edge.ly, d: rounded(points) });
  });
  for (const [id, loop] of sized.loops) {
    const b = out.boxes.get(id)!;
    const cx = b.x + b.w / 2;
    const bottom = b.y + b.h;
    const lw = Math.max(...loop.lines.map((l) => l.length)) * LABEL_CHAR + 8;
    const lh = loop.lines.length * LINE + 2;
    out.edges.push({
      keys: loop.keys,
      source: id,
      target: id,
      any: false,
      lines: loop.lines,
      title: loop.title,
      d: `M${cx + 10},${bottom} C${cx + 16},${bottom + LOOP} ${cx - 16},${bottom + LOOP} ${cx - 10},${bottom}`,
      lx: cx,
      ly: bottom + LOOP + 2 + lh / 2,
      lw,
      lh,
    });
  }
  return box;
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
  const out = { boxes: new Map<string, StateBox>(), edges: [] as EdgeShape[], anyNodes: [] as AnyNode[] };
  const root = place(size(graph.root, true, project(graph.root)), 0, 0, 0, out);
  const layout: ChartLayout = { width: root.w, height: root.h, root, ...out };
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
