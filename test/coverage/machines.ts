// What `npm run coverage:machines` compares: every state and transition of every machine (from xstate/graph),
// against what the suites reached (the files test/coverage/record-machines.ts writes).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';

/** States and transitions reached, by machine id. */
export type ReachedMachines = Record<string, { states: string[]; transitions: string[] }>;

/** How a transition is named in the report: `peer.connecting --pc.connection--> peer.connected`. */
export function edgeLabel(source: string, event: string, target: string): string {
  return `${source} --${event || '(always)'}--> ${target}`;
}

type NodeWithAlways = { always?: { target?: readonly { id: string }[] }[] };

/**
 * Every state and transition of a machine: xstate/graph's directed graph (a transition without a target is an
 * edge to its own state), plus the eventless (`always`) transitions, which the graph leaves out.
 */
export function inventory(machine: AnyStateMachine): { states: string[]; transitions: string[] } {
  const states: string[] = [];
  const transitions = new Set<string>();
  const walk = (node: DirectedGraphNode): void => {
    states.push(node.id);
    for (const edge of node.edges)
      transitions.add(edgeLabel(edge.source.id, edge.transition.eventType, edge.target.id));
    for (const t of (node.stateNode as unknown as NodeWithAlways).always ?? [])
      for (const target of t.target ?? [node.stateNode]) transitions.add(edgeLabel(node.id, '', target.id));
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  return { states, transitions: [...transitions] };
}

/** The union of every coverage file in `dir`. */
export function readReached(dir: string): ReachedMachines {
  const merged: Record<string, { states: Set<string>; transitions: Set<string> }> = {};
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.json'));
  } catch {
    return {};
  }
  for (const file of files) {
    const reached = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ReachedMachines;
    for (const [id, { states, transitions }] of Object.entries(reached)) {
      const entry = (merged[id] ??= { states: new Set(), transitions: new Set() });
      for (const state of states) entry.states.add(state);
      for (const transition of transitions) entry.transitions.add(transition);
    }
  }
  return Object.fromEntries(
    Object.entries(merged).map(([id, { states, transitions }]) => [
      id,
      { states: [...states], transitions: [...transitions] },
    ]),
  );
}
