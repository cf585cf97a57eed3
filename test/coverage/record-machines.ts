// Preloaded into the machine suite (`node --import ./test/coverage/record-machines.ts --test …`): records every
// state and transition any machine of any test reaches, through XState inspection, and writes them to
// .coverage/machines/<pid>.json when the test process exits. `npm run coverage:machines` merges the files.
//
// Nothing in the tests changes: every root actor gets the recording inspector as it is created. The patch is on
// Actor.prototype._initState, the first thing the constructor does after the actor has its system, so it also
// sees the eventless transitions taken out of the initial state inside createActor.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Actor, type InspectionEvent } from 'xstate';
import { edgeLabel, type ReachedMachines } from './machines.js';

const reached: ReachedMachines = {};

type Logic = { id?: string; root?: unknown };
type Transition = { source: { id: string }; eventType: string; target?: readonly { id: string }[] };

function machineOf(event: InspectionEvent): { states: Set<string>; transitions: Set<string> } | undefined {
  const logic = (event.actorRef as unknown as { logic?: Logic }).logic;
  if (!logic?.root || !logic.id) return undefined;
  const entry = (reached[logic.id] ??= { states: [], transitions: [] }) as unknown as {
    _states?: Set<string>;
    _transitions?: Set<string>;
  };
  entry._states ??= new Set();
  entry._transitions ??= new Set();
  return { states: entry._states, transitions: entry._transitions };
}

function record(event: InspectionEvent): void {
  if (event.type !== '@xstate.microstep' && event.type !== '@xstate.snapshot') return;
  const machine = machineOf(event);
  if (!machine) return;
  const snapshot = event.snapshot as { _nodes?: { id: string }[] };
  for (const node of snapshot._nodes ?? []) machine.states.add(node.id);
  if (event.type === '@xstate.microstep')
    for (const t of event._transitions as unknown as Transition[]) {
      // A transient state (left at once by an eventless transition) never shows in a snapshot.
      machine.states.add(t.source.id);
      for (const target of t.target ?? [t.source]) {
        machine.transitions.add(edgeLabel(t.source.id, t.eventType, target.id));
        machine.states.add(target.id);
      }
    }
}

const proto = Actor.prototype as unknown as {
  _initState: (this: Actor<never> & { _parent?: unknown }, ...args: unknown[]) => void;
};
const initState = proto._initState;
proto._initState = function (...args) {
  if (!this._parent) this.system.inspect(record);
  return initState.apply(this, args);
};

process.on('exit', () => {
  const out: ReachedMachines = {};
  for (const [id, entry] of Object.entries(reached)) {
    const sets = entry as unknown as { _states?: Set<string>; _transitions?: Set<string> };
    out[id] = { states: [...(sets._states ?? [])].sort(), transitions: [...(sets._transitions ?? [])].sort() };
  }
  if (!Object.keys(out).length) return;
  const dir = join(process.cwd(), '.coverage', 'machines');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(out));
});
