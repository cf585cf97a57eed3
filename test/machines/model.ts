import { createActor, type AnyStateMachine, type AnyEventObject, type InspectionEvent } from 'xstate';
import { getShortestPaths, toDirectedGraph, type DirectedGraphNode } from 'xstate/graph';

/** What a model run reached, against everything the machine defines. */
export interface Coverage {
  machine: string;
  paths: number;
  states: { total: number; missing: string[] };
  transitions: { total: number; missing: string[] };
}

/** Options of {@link coverModel}. */
export interface ModelOptions {
  /** The machine under test, its I/O actors replaced by inert fakes through `.provide()`. */
  machine: AnyStateMachine;
  input?: unknown;
  /** Sample events, with payloads; every other event type the machine handles is sent as `{ type }`. */
  events?: AnyEventObject[];
  /** Called after every replayed step with the live actor, to check what the model cannot see. */
  check?: (snapshot: ReturnType<ReturnType<typeof createActor<AnyStateMachine>>['getSnapshot']>) => void;
}

type AnyTransition = { source: { id: string }; eventType: string };

/** Every transition of the machine as a readable edge label, keyed by its definition object. */
function inventory(machine: AnyStateMachine): { states: Set<string>; edges: Map<unknown, string> } {
  const states = new Set<string>();
  const edges = new Map<unknown, string>();
  const walk = (node: DirectedGraphNode): void => {
    states.add(node.id);
    for (const edge of node.edges)
      edges.set(edge.transition, `${edge.source.id} --${edge.transition.eventType || '(always)'}--> ${edge.target.id}`);
    node.children.forEach(walk);
  };
  walk(toDirectedGraph(machine));
  return { states, edges };
}

/**
 * Model-based test: for the shortest path to every state, extended by every event, replays the path on a real
 * actor and checks it reaches the state the model predicts. Records the states and transitions the actor
 * really took (through inspection), and returns what was missed.
 *
 * @example
 * const coverage = coverModel({ machine: signalingMachine.provide({ actors: fakes }), input, events });
 * assert.deepEqual(coverage.transitions.missing, []);
 */
export function coverModel({ machine, input, events = [], check }: ModelOptions): Coverage {
  const { states, edges } = inventory(machine);
  const samples = new Map<string, AnyEventObject[]>();
  for (const event of events) samples.set(event.type, [...(samples.get(event.type) ?? []), event]);
  const allEvents: AnyEventObject[] = machine.root.events.flatMap((type: string) => samples.get(type) ?? [{ type }]);
  for (const [type, list] of samples) if (!machine.root.events.includes(type)) allEvents.push(...list);

  const statePaths = getShortestPaths(machine, {
    input,
    events: allEvents,
    serializeState: (snapshot) => JSON.stringify(snapshot.value),
  });

  const seenStates = new Set<string>();
  const seenEdges = new Set<string>();
  let replayed = 0;
  for (const path of statePaths) {
    for (const extra of [undefined, ...allEvents]) {
      const steps = path.steps.slice(1).map((step) => ({ event: step.event, value: step.state.value }));
      const actor = createActor(machine, {
        input,
        inspect: (event: InspectionEvent) => {
          // The root actor only (it has no parent). Not `actor` itself: a machine whose initial state has an
          // eventless transition takes it inside createActor, before `actor` is assigned.
          if (event.type !== '@xstate.microstep' || (event.actorRef as { _parent?: unknown })._parent) return;
          for (const transition of event._transitions) {
            // A transient state (left at once by an eventless transition) never shows in a snapshot.
            seenStates.add((transition as AnyTransition).source.id);
            const label = edges.get(transition);
            if (label) seenEdges.add(label);
            else
              seenEdges.add(`${(transition as AnyTransition).source.id} --${(transition as AnyTransition).eventType}`);
          }
        },
      });
      const record = (): void => {
        const snapshot = actor.getSnapshot() as { _nodes?: { id: string }[] };
        for (const node of snapshot._nodes ?? []) seenStates.add(node.id);
      };
      // A sample `xstate.error.actor.*` event sent where no such actor runs fails the whole actor; that is the
      // sample's doing, not the machine's, so the path simply ends there.
      actor.subscribe({ error: () => {} });
      actor.start();
      record();
      for (const step of steps) {
        actor.send(step.event);
        const actual = JSON.stringify(actor.getSnapshot().value);
        if (actual !== JSON.stringify(step.value))
          throw new Error(
            `${machine.id}: after ${step.event.type} the actor is in ${actual}, the model says ${JSON.stringify(step.value)}`,
          );
        record();
        check?.(actor.getSnapshot());
      }
      if (extra) {
        actor.send(extra);
        record();
        check?.(actor.getSnapshot());
      }
      actor.stop();
      replayed++;
    }
  }
  return {
    machine: machine.id,
    paths: replayed,
    states: { total: states.size, missing: [...states].filter((s) => !seenStates.has(s)) },
    transitions: { total: edges.size, missing: [...edges.values()].filter((e) => !seenEdges.has(e)) },
  };
}

/** One line per machine, for the test log. */
export function formatCoverage(coverage: Coverage): string {
  const { states, transitions } = coverage;
  const pct = (total: number, missing: number): string => `${(((total - missing) / total) * 100).toFixed(0)}%`;
  return [
    `${coverage.machine}: ${coverage.paths} paths; states ${states.total - states.missing.length}/${states.total} (${pct(states.total, states.missing.length)}), transitions ${transitions.total - transitions.missing.length}/${transitions.total} (${pct(transitions.total, transitions.missing.length)})`,
    ...states.missing.map((s) => `  missing state ${s}`),
    ...transitions.missing.map((t) => `  missing transition ${t}`),
  ].join('\n');
}

/** Coverage of several runs of one machine (with different inputs, say): what none of them missed. */
export function mergeCoverage(first: Coverage, ...rest: Coverage[]): Coverage {
  const both = (pick: (c: Coverage) => string[]): string[] =>
    pick(first).filter((item) => rest.every((other) => pick(other).includes(item)));
  return {
    machine: first.machine,
    paths: [first, ...rest].reduce((sum, c) => sum + c.paths, 0),
    states: { total: first.states.total, missing: both((c) => c.states.missing) },
    transitions: { total: first.transitions.total, missing: both((c) => c.transitions.missing) },
  };
}
