/**
 * A machine's definition as plain data: its state tree and every transition, read from the machine itself
 * (`machine.root`). The inspector draws statecharts from it, and traces carry it so that a trace replays against
 * the machines that recorded it, not whatever version opens it.
 *
 * @module
 */
import type { AnyStateMachine } from 'xstate';

/** A transition of a {@link StateGraphNode}. */
export interface StateGraphTransition {
  /** Identifies the transition: `source|event|targets`, as {@link transitionKey} builds it. */
  key: string;
  /** The event type; `''` for an eventless (`always`) transition. */
  event: string;
  /** Ids of the target states; empty for a transition that stays (actions only). */
  targets: string[];
  /** The guard's name, when guarded. */
  guard?: string;
}

/** One state of a machine. */
export interface StateGraphNode {
  /** The state's id: `peer.connected`, `media.live.camera.on`. */
  id: string;
  /** Its key within its parent: `connected`. */
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Key of the initial child of a compound state. */
  initial?: string;
  children: StateGraphNode[];
  transitions: StateGraphTransition[];
}

/** A machine as data. */
export interface MachineGraph {
  /** The machine's id: `call`, `peer`, `ice`… */
  id: string;
  root: StateGraphNode;
}

/** The key of a transition: its source state id, event type and target state ids. */
export function transitionKey(source: string, event: string, targets: readonly string[]): string {
  return `${source}|${event}|${targets.join(',')}`;
}

interface NodeLike {
  id: string;
  key: string;
  type: StateGraphNode['type'];
  states: Record<string, NodeLike>;
  initial?: { target?: readonly NodeLike[] };
  transitions: Map<string, TransitionLike[]>;
  always?: TransitionLike[];
}

interface TransitionLike {
  eventType: string;
  target?: readonly { id: string }[];
  guard?: unknown;
}

const guardName = (guard: unknown): string | undefined => {
  if (!guard) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  const type = (guard as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'guard';
};

function describeNode(node: NodeLike): StateGraphNode {
  const definitions = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
  return {
    id: node.id,
    key: node.key,
    type: node.type,
    ...(node.type === 'compound' && node.initial?.target?.[0] ? { initial: node.initial.target[0].key } : {}),
    children: Object.values(node.states).map(describeNode),
    transitions: definitions.map((t) => {
      const targets = (t.target ?? []).map((target) => target.id);
      const guard = guardName(t.guard);
      return {
        key: transitionKey(node.id, t.eventType, targets),
        event: t.eventType,
        targets,
        ...(guard ? { guard } : {}),
      };
    }),
  };
}

const cache = new WeakMap<AnyStateMachine, MachineGraph>();

/**
 * Describes a machine's states and transitions as plain data.
 *
 * @example
 * const graph = describeMachine(peerMachine);
 * graph.root.children.map((state) => state.key); // ['negotiating', 'connecting', 'connected', …]
 */
export function describeMachine(machine: AnyStateMachine): MachineGraph {
  let graph = cache.get(machine);
  if (!graph) {
    graph = { id: machine.id, root: describeNode(machine.root as unknown as NodeLike) };
    cache.set(machine, graph);
  }
  return graph;
}
