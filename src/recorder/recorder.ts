import type { AnyStateMachine, InspectionEvent, Observer } from 'xstate';
import { describeMachine, transitionKey, type MachineGraph } from './graph.js';
import { redact, toJson } from './json.js';
import {
  TRACE_FORMAT,
  TRACE_VERSION,
  type StateValue,
  type Trace,
  type TraceActor,
  type TraceEvent,
  type TraceStat,
} from './trace.js';

/** Bounds of a {@link FlightRecorder}: whichever is reached first drops the oldest entries. */
export interface RecorderLimits {
  /** Events kept. Default 10 000. */
  maxEvents: number;
  /** Age of the oldest event or stat reading kept, in ms. Default 5 minutes. */
  maxAge: number;
  /** Stat readings kept (one a second per peer). Default 3 000. */
  maxStats: number;
}

/** The default {@link RecorderLimits}: the last 5 minutes or 10 000 events, whichever is shorter. */
export const RECORDER_LIMITS: Readonly<RecorderLimits> = { maxEvents: 10_000, maxAge: 5 * 60_000, maxStats: 3_000 };

/** Options of {@link FlightRecorder}. */
export interface RecorderOptions extends Partial<RecorderLimits> {
  /** The clock, ms since the epoch. Default: `performance.timeOrigin + performance.now()`. */
  now?: () => number;
}

/** Options of {@link FlightRecorder.toTrace} and `call.exportTrace()`. */
export interface TraceOptions {
  /**
   * Keep the SDP text and ICE candidate lines (which hold IP addresses and ICE credentials). Default `false`:
   * only their summaries (media sections, codecs, candidate types) are in the trace.
   */
  includeSdp?: boolean;
}

/** A fixed-size first-in first-out ring. */
class Ring<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  get first(): T | undefined {
    return this.#length ? this.#items[this.#head] : undefined;
  }

  push(item: T): void {
    if (this.#length === this.#items.length) {
      // Full: double, unrolled so that the oldest is first again.
      const items = this.toArray() as (T | undefined)[];
      items.length = Math.max(16, this.#length * 2);
      this.#items = items;
      this.#head = 0;
    }
    this.#items[(this.#head + this.#length) % this.#items.length] = item;
    this.#length++;
  }

  shift(): T | undefined {
    if (!this.#length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item;
  }

  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#length; i++) out.push(this.#items[(this.#head + i) % this.#items.length] as T);
    return out;
  }
}

/** An event waiting for the snapshot that says what it did. */
interface Pending {
  record: TraceEvent;
  /** The event object, to match the snapshot's. */
  event: object;
}

interface ActorEntry extends TraceActor {
  /** The state value after the newest event dropped from the ring. */
  baseline?: StateValue;
  /** The state value now. */
  value?: StateValue;
  pending: Pending[];
  /** Transitions taken while the actor was created (eventless ones out of the initial state), for its start. */
  initialTransitions?: string[];
}

/** At most this many events per actor wait for their snapshot (an actor stopped with events queued never answers). */
const MAX_PENDING = 64;

type ActorLike = {
  id: string;
  sessionId: string;
  logic?: unknown;
  _parent?: { sessionId: string };
};

const isMachine = (logic: unknown): logic is AnyStateMachine =>
  !!logic && typeof logic === 'object' && 'root' in logic && 'id' in logic && 'config' in logic;

const defaultNow = (): number => performance.timeOrigin + performance.now();

/**
 * The flight recorder: always on in every {@link Call}, it keeps the recent history of every actor of the call (each
 * event received, with its sender, the state before and after and the transitions taken) and the quality machine's
 * once-a-second link readings, in bounded rings, and exports them as a {@link Trace}.
 *
 * It does no I/O of its own: it reads XState inspection events (give {@link FlightRecorder.inspect} to
 * `createActor`) and never calls `getStats()` itself; the quality machine's samples are events like the others.
 *
 * @example
 * const recorder = new FlightRecorder();
 * const actor = createActor(machine, { inspect: recorder.inspect }).start();
 * const trace = recorder.toTrace(); // JSON-safe, SDP redacted
 */
export class FlightRecorder {
  /** The bounds in use. */
  readonly limits: Readonly<RecorderLimits>;
  readonly #now: () => number;
  readonly #events = new Ring<TraceEvent>();
  readonly #stats = new Ring<TraceStat>();
  readonly #actors = new Map<string, ActorEntry>();
  readonly #machines = new Map<string, AnyStateMachine>();
  readonly #listeners = new Set<() => void>();
  #seq = 0;
  #dropped = 0;
  #revision = 0;

  constructor({ now = defaultNow, ...limits }: RecorderOptions = {}) {
    this.limits = Object.freeze({ ...RECORDER_LIMITS, ...limits });
    this.#now = now;
  }

  /** How many events it holds. */
  get size(): number {
    return this.#events.length;
  }

  /** How many events the bounds have dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** How many actors it tracks (running ones, and stopped ones still referred to by a kept event). */
  get actorCount(): number {
    return this.#actors.size;
  }

  /** Increases whenever something is recorded: a cheap way to tell that a trace would differ. */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The inspection observer: pass it as `createActor(machine, { inspect: recorder.inspect })`, or add it to a
   * running system with `actor.system.inspect(recorder.inspect)`.
   */
  readonly inspect = (event: InspectionEvent): void => {
    switch (event.type) {
      case '@xstate.actor':
        this.#onActor(event.actorRef as unknown as ActorLike);
        break;
      case '@xstate.event':
        this.#onEvent(event);
        break;
      case '@xstate.microstep':
        this.#onMicrostep(event);
        break;
      case '@xstate.snapshot':
        this.#onSnapshot(event);
        break;
      default:
        return;
    }
    this.#revision++;
    for (const listener of this.#listeners) listener();
  };

  /**
   * Calls `listener` after each recorded inspection event (synchronously: batch your own work).
   * Returns the function that stops it.
   */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * The recording as a {@link Trace}: JSON-safe, SDP and candidates redacted unless `includeSdp`.
   *
   * @example
   * const blob = new Blob([JSON.stringify(recorder.toTrace())], { type: 'application/json' });
   */
  toTrace({ includeSdp = false }: TraceOptions = {}): Trace {
    const trace = this.live();
    const events = trace.events.map((event) => {
      const copy: TraceEvent = { ...event };
      if (event.data !== undefined) copy.data = includeSdp ? event.data : redact(event.data);
      if (event.transitions) copy.transitions = [...event.transitions];
      return copy;
    });
    return {
      ...trace,
      sdp: includeSdp ? 'included' : 'redacted',
      actors: trace.actors.map((actor) => ({ ...actor })),
      events,
      stats: trace.stats.map((stat) => ({ ...stat })),
    };
  }

  /**
   * The recording as it is now, for a live view: the recorder's own event objects (do not change them), raw SDP
   * included. Use {@link FlightRecorder.toTrace} for anything that leaves the page.
   */
  live(): Trace {
    const now = this.#now();
    this.#evict(now);
    this.#prune();
    const actors: TraceActor[] = [];
    const machines: Record<string, MachineGraph> = {};
    for (const entry of this.#actors.values()) {
      const { id, path, machine: machineId, parent, born, died, baseline } = entry;
      const actor: TraceActor = { id, path, born };
      if (machineId) actor.machine = machineId;
      if (parent) actor.parent = parent;
      if (died !== undefined) actor.died = died;
      if (baseline !== undefined) actor.initial = baseline;
      actors.push(actor);
      const machine = machineId ? this.#machines.get(machineId) : undefined;
      if (machine && machineId) machines[machineId] ??= describeMachine(machine);
    }
    const events = this.#events.toArray();
    return {
      format: TRACE_FORMAT,
      version: TRACE_VERSION,
      exportedAt: new Date(now).toISOString(),
      ...(typeof navigator === 'object' && navigator.userAgent ? { userAgent: navigator.userAgent } : {}),
      sdp: 'included',
      limits: { ...this.limits },
      dropped: this.#dropped,
      start: Math.min(events[0]?.time ?? now, this.#stats.first?.time ?? now),
      end: now,
      machines,
      actors,
      events,
      stats: this.#stats.toArray(),
    };
  }

  /** Forgets everything recorded (the actors it knows of stay known). */
  clear(): void {
    while (this.#events.length) this.#drop();
    while (this.#stats.length) this.#stats.shift();
    this.#dropped = 0;
  }

  #onActor(ref: ActorLike): void {
    const parent = ref._parent ? this.#actors.get(ref._parent.sessionId) : undefined;
    const machine = isMachine(ref.logic) ? ref.logic : undefined;
    if (machine) this.#machines.set(machine.id, machine);
    const entry: ActorEntry = {
      id: ref.sessionId,
      path: parent ? `${parent.path}/${ref.id}` : (machine?.id ?? ref.id),
      ...(machine ? { machine: machine.id } : {}),
      ...(ref._parent ? { parent: ref._parent.sessionId } : {}),
      born: this.#now(),
      pending: [],
    };
    this.#actors.set(entry.id, entry);
  }

  #entry(ref: ActorLike): ActorEntry {
    const entry = this.#actors.get(ref.sessionId);
    if (entry) return entry;
    // An actor that started before the recorder was attached.
    this.#onActor(ref);
    return this.#actors.get(ref.sessionId)!;
  }

  #onEvent(inspection: Extract<InspectionEvent, { type: '@xstate.event' }>): void {
    const entry = this.#entry(inspection.actorRef as unknown as ActorLike);
    const { type, ...rest } = inspection.event;
    const time = this.#now();
    const record: TraceEvent = { seq: ++this.#seq, time, target: entry.id, type };
    const source = (inspection.sourceRef as unknown as ActorLike | undefined)?.sessionId;
    if (source) record.source = source;
    const data = Object.keys(rest).length ? toJson(rest) : undefined;
    if (data !== undefined) record.data = data;
    if (type === 'xstate.init' && entry.initialTransitions) record.transitions = entry.initialTransitions;
    this.#push(record);
    entry.pending.push({ record, event: inspection.event });
    if (entry.pending.length > MAX_PENDING) entry.pending.shift();
    if (type === 'quality.sample') this.#onSample(entry, time, (rest as { sample?: Record<string, unknown> }).sample);
  }

  #onSample(entry: ActorEntry, time: number, sample: Record<string, unknown> | undefined): void {
    if (!sample) return;
    const number = (value: unknown): number | undefined =>
      typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    const stat: TraceStat = { time, actor: entry.id, peer: entry.path.split('/').slice(0, -1).join('/') };
    const fields = {
      bitrate: number(sample.bitrate),
      availableBitrate: number(sample.availableBitrate),
      loss: number(sample.loss),
      rtt: number(sample.rtt),
      fps: number(sample.framesSent),
    };
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined) stat[key as keyof typeof fields] = value;
    if (typeof sample.limitation === 'string') stat.limitation = sample.limitation;
    this.#stats.push(stat);
    while (this.#stats.length > this.limits.maxStats) this.#stats.shift();
  }

  #match(entry: ActorEntry, event: object): number {
    return entry.pending.findIndex((p) => p.event === event);
  }

  #onMicrostep(inspection: Extract<InspectionEvent, { type: '@xstate.microstep' }>): void {
    const entry = this.#actors.get((inspection.actorRef as unknown as ActorLike).sessionId);
    if (!entry) return;
    // A raised event is not pending: its transitions belong to the event being processed, the oldest pending one.
    const index = this.#match(entry, inspection.event);
    const record = entry.pending[index >= 0 ? index : 0]?.record;
    // Eventless transitions out of the initial state run inside createActor, before the actor's start event.
    const keys = record ? (record.transitions ??= []) : (entry.initialTransitions ??= []);
    type Transition = { source: { id: string }; eventType: string; target?: readonly { id: string }[] };
    for (const t of inspection._transitions as unknown as Transition[])
      keys.push(
        transitionKey(
          t.source.id,
          t.eventType,
          (t.target ?? []).map((n) => n.id),
        ),
      );
  }

  #onSnapshot(inspection: Extract<InspectionEvent, { type: '@xstate.snapshot' }>): void {
    const entry = this.#actors.get((inspection.actorRef as unknown as ActorLike).sessionId);
    if (!entry) return;
    const snapshot = inspection.snapshot as { value?: StateValue; status?: string };
    const index = this.#match(entry, inspection.event);
    const value = entry.machine ? snapshot.value : undefined;
    if (index >= 0) {
      const { record } = entry.pending[index]!;
      entry.pending.splice(0, index + 1);
      if (entry.value !== undefined) record.before = entry.value;
      if (value !== undefined) record.after = value;
    }
    if (value !== undefined) entry.value = value;
    if (snapshot.status && snapshot.status !== 'active' && entry.died === undefined) {
      entry.died = this.#now();
      entry.pending = [];
    }
  }

  #push(record: TraceEvent): void {
    this.#events.push(record);
    this.#evict(record.time);
  }

  /** Drops what is over the bounds. */
  #evict(now: number): void {
    const oldest = now - this.limits.maxAge;
    while (this.#events.length > this.limits.maxEvents || (this.#events.first?.time ?? Infinity) < oldest) this.#drop();
    while ((this.#stats.first?.time ?? Infinity) < oldest) this.#stats.shift();
  }

  #drop(): void {
    const record = this.#events.shift();
    if (!record) return;
    this.#dropped++;
    const entry = this.#actors.get(record.target);
    if (entry && record.after !== undefined) entry.baseline = record.after;
    // Stopped actors go once their last event has gone.
    if (this.#dropped % 1024 === 0) this.#prune();
  }

  /** Forgets stopped actors that no kept event or reading mentions any more. */
  #prune(): void {
    const start = this.#events.first?.time ?? Infinity;
    const statsStart = this.#stats.first?.time ?? Infinity;
    for (const [id, entry] of this.#actors)
      if (entry.died !== undefined && entry.died < start && entry.died < statsStart) this.#actors.delete(id);
  }
}

/**
 * One inspector from several: each gets every inspection event, in order. `undefined` ones are skipped.
 *
 * @example
 * createActor(machine, { inspect: composeInspectors(recorder.inspect, createBrowserInspector().inspect) });
 */
export function composeInspectors(
  ...inspectors: (Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined)[]
): (event: InspectionEvent) => void {
  const observers = inspectors.filter((inspector) => inspector !== undefined);
  return (event) => {
    for (const inspector of observers)
      if (typeof inspector === 'function') inspector(event);
      else inspector.next?.(event);
  };
}
