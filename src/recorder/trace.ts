/**
 * The flight recorder's trace: a versioned JSON document that holds what the engine's actors did, so that it
 * can be attached to a bug report and replayed in `<rtc-inspector>`. See docs/inspector.md for the schema.
 *
 * @module
 */
import type { MachineGraph } from './graph.js';
import type { JsonValue } from './json.js';

/** The value of {@link Trace.format}. */
export const TRACE_FORMAT = 'rtc-kit-trace';
/** The schema version this kit writes and reads. */
export const TRACE_VERSION = 1;

/** A state value, as XState has it: `'connected'`, or `{ room: 'in-call' }` for nested and parallel states. */
export type StateValue = string | { [key: string]: StateValue };

/** One actor of the call's system: the call, signaling, media, a peer, its ICE and quality children… */
export interface TraceActor {
  /** The actor's session id (`x:4`), unique within the trace. */
  id: string;
  /** Where it runs, by actor ids from the call down: `call/peer:4f1c/ice`. */
  path: string;
  /** Id of the machine it runs, a key of {@link Trace.machines}; absent for callback and promise actors. */
  machine?: string;
  /** Session id of its parent. */
  parent?: string;
  /** When it started, ms since the epoch. */
  born: number;
  /** When it stopped, if it did. */
  died?: number;
  /** Its state value when the trace starts (or when it was born, if later): where a replay begins. */
  initial?: StateValue;
}

/** One event received by one actor. */
export interface TraceEvent {
  /** Order of recording, increasing. */
  seq: number;
  /** When it was sent, ms since the epoch. */
  time: number;
  /** Session id of the actor that received it. */
  target: string;
  /** Session id of the actor that sent it, when an actor did (absent for events sent from outside). */
  source?: string;
  /** The event type: `peer.signal`, `socket.message`, `xstate.init`… */
  type: string;
  /** The event's other fields, made JSON-safe and redacted (see docs/inspector.md). */
  data?: JsonValue;
  /** The target's state value before it took the event (machines only). */
  before?: StateValue;
  /** Its state value after. */
  after?: StateValue;
  /** Keys of the transitions it took (see `transitionKey`): empty when the event changed nothing. */
  transitions?: string[];
}

/** One reading of a sender's link, from the quality machine's once-a-second `getStats()`. */
export interface TraceStat {
  /** When it was recorded, ms since the epoch. */
  time: number;
  /** Session id of the quality actor that took the reading. */
  actor: string;
  /** Path of the peer it belongs to: `call/peer:4f1c`. */
  peer: string;
  /** Video bits per second sent. */
  bitrate?: number;
  /** The browser's estimate of the bandwidth available for sending, bits/s. */
  availableBitrate?: number;
  /** Fraction of packets lost, 0–1. */
  loss?: number;
  /** Round-trip time, seconds. */
  rtt?: number;
  /** Frames sent per second. */
  fps?: number;
  /** Why the encoder holds back: `none`, `bandwidth`, `cpu`, `other`. */
  limitation?: string;
}

/** A flight-recorder trace, schema version 1. */
export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  /** When it was exported, ISO 8601. */
  exportedAt: string;
  /** The browser that recorded it (`navigator.userAgent`). */
  userAgent?: string;
  /** Whether SDP text and candidate lines are in the trace (`included`) or only their summaries (`redacted`). */
  sdp: 'redacted' | 'included';
  /** The recorder's bounds: events kept, their age in ms, and stat readings kept. */
  limits: { maxEvents: number; maxAge: number; maxStats: number };
  /** How many older events the bounds dropped before the first one here. */
  dropped: number;
  /** The instants the trace covers, ms since the epoch. */
  start: number;
  end: number;
  /** The definition of every machine an actor in the trace runs, by machine id. */
  machines: Record<string, MachineGraph>;
  actors: TraceActor[];
  /** Oldest first. */
  events: TraceEvent[];
  /** Oldest first. */
  stats: TraceStat[];
}

/** A file that is not a trace this kit can read. */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
}

/**
 * Checks that `value` (parsed JSON) is a trace this kit can replay, and returns it typed.
 *
 * @throws {TraceFormatError} when it is not an rtc-kit trace, or has a schema version this kit does not know.
 * @example
 * const trace = parseTrace(JSON.parse(await file.text()));
 */
export function parseTrace(value: unknown): Trace {
  const trace = value as Partial<Trace> | null;
  if (!trace || typeof trace !== 'object' || trace.format !== TRACE_FORMAT)
    throw new TraceFormatError('This file is not an rtc-kit trace (no "format": "rtc-kit-trace").');
  if (trace.version !== TRACE_VERSION)
    throw new TraceFormatError(
      `This trace has schema version ${String(trace.version)}; this rtc-kit reads version ${TRACE_VERSION}.`,
    );
  if (
    !Array.isArray(trace.actors) ||
    !Array.isArray(trace.events) ||
    !Array.isArray(trace.stats) ||
    !trace.machines ||
    typeof trace.machines !== 'object' ||
    typeof trace.start !== 'number' ||
    typeof trace.end !== 'number'
  )
    throw new TraceFormatError('This trace is incomplete: it needs machines, actors, events, stats, start and end.');
  return trace as Trace;
}
