// npm run coverage:machines — lists every state and transition of every machine in src/machines/ (xstate/graph),
// marks those the machine suite reached (recorded by test/coverage/record-machines.ts into .coverage/machines/),
// and fails below 100 % of states or 90 % of transitions of any machine. Run it after `npm run test:machines`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { inventory, readReached } from '../test/coverage/machines.js';

const STATES_MIN = 100;
const TRANSITIONS_MIN = 90;
const MACHINES_DIR = 'src/machines';
const COVERAGE_DIR = '.coverage/machines';

const isMachine = (value: unknown): value is AnyStateMachine =>
  !!value && typeof value === 'object' && 'root' in value && 'config' in value && 'id' in value;

/** Every machine exported by src/machines/*.machine.ts, by id: a new machine is covered without listing it here. */
async function machines(): Promise<Map<string, AnyStateMachine>> {
  const found = new Map<string, AnyStateMachine>();
  for (const file of readdirSync(MACHINES_DIR)
    .filter((f) => f.endsWith('.machine.ts'))
    .sort()) {
    const module = (await import(pathToFileURL(join(process.cwd(), MACHINES_DIR, file)).href)) as Record<
      string,
      unknown
    >;
    for (const value of Object.values(module)) if (isMachine(value)) found.set(value.id, value);
  }
  return found;
}

const reached = readReached(COVERAGE_DIR);
if (!Object.keys(reached).length) {
  console.error(`No coverage in ${COVERAGE_DIR}/: run \`npm run test:machines\` first.`);
  process.exit(1);
}

const pct = (part: number, total: number): number => (total ? (part / total) * 100 : 100);
let failed = false;
const verbose = process.argv.includes('--verbose');
console.log('machine        states            transitions');
for (const [id, machine] of await machines()) {
  const all = inventory(machine);
  const seen = reached[id] ?? { states: [], transitions: [] };
  const states = new Set(seen.states);
  const transitions = new Set(seen.transitions);
  const missingStates = all.states.filter((s) => !states.has(s));
  const missingTransitions = all.transitions.filter((t) => !transitions.has(t));
  const statePct = pct(all.states.length - missingStates.length, all.states.length);
  const transitionPct = pct(all.transitions.length - missingTransitions.length, all.transitions.length);
  const ok = statePct >= STATES_MIN && transitionPct >= TRANSITIONS_MIN;
  failed ||= !ok;
  const cell = (n: number, total: number, p: number) =>
    `${`${n}/${total}`.padStart(7)} ${`${p.toFixed(0)}%`.padStart(5)}`;
  console.log(
    `${ok ? '✔' : '✖'} ${id.padEnd(12)} ${cell(all.states.length - missingStates.length, all.states.length, statePct)}     ${cell(all.transitions.length - missingTransitions.length, all.transitions.length, transitionPct)}`,
  );
  if (!ok || verbose) {
    for (const state of missingStates) console.log(`    missing state      ${state}`);
    for (const transition of missingTransitions) console.log(`    missing transition ${transition}`);
  }
}
console.log(`\nrequired: ${STATES_MIN}% of states and ${TRANSITIONS_MIN}% of transitions of every machine`);
if (failed) process.exit(1);
