/**
 * Reads a trace at one instant: which actors run, in which states, and what happened last. Pure; part of the
 * inspector's lazily loaded chunk.
 *
 * @module
 */
import type { JsonValue } from '../../recorder/json.js';
import type { SdpSummary } from '../../recorder/sdp.js';
import type { StateValue, Trace, TraceActor, TraceEvent } from '../../recorder/trace.js';
import { shortEvent } from './layout.js';

/** An actor at an instant of a trace. */
export interface ActorAt {
  actor: TraceActor;
  /** Its state value then (machines only). */
  value?: StateValue;
  /** The last event it took that changed something (took a transition), at or before the instant. */
  last?: TraceEvent;
}

/**
 * The actors running at `time`, each with its state value and last transition, ordered by path.
 *
 * @example
 * const peers = actorsAt(trace, trace.end).filter(({ actor }) => actor.machine === 'peer');
 */
export function actorsAt(trace: Trace, time: number): ActorAt[] {
  const at = new Map<string, ActorAt>();
  for (const actor of trace.actors)
    if (actor.born <= time && (actor.died === undefined || actor.died > time))
      at.set(actor.id, actor.initial === undefined ? { actor } : { actor, value: actor.initial });
  for (const event of trace.events) {
    if (event.time > time) break;
    const entry = at.get(event.target);
    if (!entry) continue;
    if (event.after !== undefined) entry.value = event.after;
    if (event.transitions?.length) entry.last = event;
  }
  return [...at.values()].sort((a, b) => order(a.actor.path).localeCompare(order(b.actor.path)));
}

/** The call first, then signaling, the peers with their children, and media (the largest chart) last. */
function order(path: string): string {
  const rank: Record<string, string> = { signaling: '1', peer: '2', ice: '3', quality: '4', media: '8' };
  return path
    .split('/')
    .map((segment, i) => (i ? `${rank[segment.split(':')[0]!] ?? '5'}${segment}` : segment))
    .join('/');
}

/** `{ room: 'in-call' }` → `room.in-call`; parallel states → `live(mic: unmuted, camera: on)`. */
export function formatValue(value: StateValue | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  const entries = Object.entries(value);
  if (entries.length === 1) {
    const [key, sub] = entries[0]!;
    const inner = formatValue(sub);
    return inner ? `${key}.${inner}` : key;
  }
  return entries.map(([key, sub]) => `${key}: ${formatValue(sub)}`).join(', ');
}

/** The last segment of an actor path, shortened: `call/peer:4f1c2a9e-…/ice` → `ice`; `peer:4f1c2a…`. */
export function shortName(path: string): string {
  const name = path.split('/').at(-1) ?? path;
  return name.length > 13 ? `${name.slice(0, 12)}…` : name;
}

/** An actor path with long ids shortened: `call/peer:4f1c2a…/ice`. */
export function shortPath(path: string): string {
  return path.split('/').map(shortName).join('/');
}

type Json = JsonValue;

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  !!value && typeof value === 'object' && !Array.isArray(value);

/** Finds the first object in `value` that has `key`. */
function find(value: Json | undefined, key: string, depth = 0): { [key: string]: Json } | undefined {
  if (depth > 6 || !value || typeof value !== 'object') return undefined;
  if (isObject(value) && key in value) return value;
  for (const item of Object.values(value)) {
    const found = find(item as Json, key, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** `offer · audio opus · video VP8 H264 (recvonly)` */
export function describeSdp(type: string, sdp: SdpSummary): string {
  const sections = sdp.mlines.map(
    (m) => `${m.kind} ${m.codecs.join(' ') || '–'}${m.direction === 'sendrecv' ? '' : ` (${m.direction})`}`,
  );
  const candidates = sdp.candidates ? ` · ${sdp.candidates} candidates` : '';
  return `${type} · ${sdp.mlines.length} m-lines: ${sections.join(' · ')}${candidates}`;
}

const rate = (bits: Json | undefined): string =>
  typeof bits === 'number' ? (bits >= 1e6 ? `${(bits / 1e6).toFixed(1)} Mbps` : `${Math.round(bits / 1e3)} kbps`) : '–';

/** A compact one-line rendering of JSON, `$type` summaries as `‹MediaStream›`. */
function compact(value: Json | undefined, depth = 0): string {
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return depth > 1 ? `[…${value.length}]` : `[${value.map((v) => compact(v, depth + 1)).join(', ')}]`;
  if (typeof value.$type === 'string') return `‹${value.$type}›`;
  if (isObject(value.$sdp)) return '‹SDP›';
  if (isObject(value.$candidate)) return `‹candidate ${String(value.$candidate.type)}›`;
  if (depth > 1) return '{…}';
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${compact(v, depth + 1)}`)
    .join(', ')}}`;
}

/**
 * What an event carried, in one line: SDP as type, m-lines and codecs; candidates as their type; link readings as
 * figures; anything else as compact JSON.
 */
export function describeEvent(event: TraceEvent): string {
  const data = event.data;
  if (data === undefined) return '';
  const description = find(data, 'sdp');
  if (description && isObject(description.sdp) && isObject(description.sdp.$sdp))
    return describeSdp(String(description.type ?? 'sdp'), description.sdp.$sdp as unknown as SdpSummary);
  const candidate = find(data, 'candidate');
  if (candidate) {
    if (candidate.candidate === null) return 'end of candidates';
    const inner = isObject(candidate.candidate) ? candidate.candidate : undefined;
    const summary = inner?.$candidate ?? (isObject(inner?.candidate) ? inner.candidate.$candidate : undefined);
    if (isObject(summary)) return `candidate ${String(summary.type)} ${String(summary.protocol)}`;
  }
  if (event.type === 'quality.sample' && isObject(data) && isObject(data.sample)) {
    const s = data.sample;
    const loss = typeof s.loss === 'number' ? `${(s.loss * 100).toFixed(1)}% loss` : '';
    const rtt = typeof s.rtt === 'number' ? `${Math.round(s.rtt * 1000)} ms rtt` : '';
    return [`sent ${rate(s.bitrate)}`, `avail ${rate(s.availableBitrate)}`, loss, rtt].filter(Boolean).join(' · ');
  }
  const text = compact(data);
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

/** A failure an event reports, in words: what failed, and why. */
export interface Failure {
  /** What failed: `Camera or microphone`, `Relay unreachable`, `ICE failed`, `acquire failed`… */
  what: string;
  /** Why, as the event says it: `NotAllowedError: Permission denied`. */
  cause: string;
}

const text = (value: Json | undefined): string | undefined =>
  typeof value === 'string' && value ? value : typeof value === 'number' ? String(value) : undefined;

/** The cause an event's payload gives: an error's name and message, a code and message, a reason, a state. */
function causeOf(data: Json | undefined, depth = 0): string | undefined {
  if (!isObject(data) || depth > 3) return text(data);
  if (data.$type === 'Error' || (text(data.name) && text(data.message) && !text(data.code)))
    return [text(data.name), text(data.message)].filter(Boolean).join(': ');
  for (const key of ['error', 'cause'])
    if (data[key] !== undefined) {
      const inner = causeOf(data[key], depth + 1);
      if (inner)
        return text(data.code) && !inner.includes(String(data.code)) ? `${inner} (${String(data.code)})` : inner;
    }
  const message = text(data.message) ?? text(data.reason);
  const code = text(data.code);
  if (message) return code ? `${message} (${code})` : message;
  if (code) return code;
  const state = text(data.state);
  return state ? `state ${state}` : undefined;
}

/** A state value that names a failure: `failed`, `denied`, `{ room: 'failed' }`. */
const failedState = (value: StateValue | undefined): string | undefined =>
  /(^|\.|: )(failed|denied|not-found|in-use|error)\b/.exec(formatValue(value))?.[2];

/**
 * The failure an event of a trace reports, in words, or `undefined`: a promise actor that rejected
 * (`xstate.error.actor.acquire`), an event that says so (`signaling.failed`, `media.error`, `peer.failed`,
 * `peer.ice-error`), a connection whose state became `failed`, or a state machine moving into `failed` or
 * `denied`. The cause is read from the event's payload (an error's name and message, a code, a reason).
 *
 * @example
 * describeFailure(event); // { what: 'Camera or microphone', cause: 'NotAllowedError: Permission denied' }
 */
export function describeFailure(event: TraceEvent, trace?: Trace): Failure | undefined {
  const type = event.type;
  const data = event.data;
  const moved = JSON.stringify(event.before) !== JSON.stringify(event.after);
  const into = moved ? failedState(event.after) : undefined;
  const wasIn = failedState(event.before);
  const machine = trace?.actors.find((a) => a.id === event.target)?.machine;
  const cause = causeOf(data);
  const rejected = /^xstate\.error\.actor\.(.+)$/.exec(type);
  if (rejected) {
    const what =
      machine === 'media' || /acquire|media|camera/i.test(rejected[1]!)
        ? 'Camera or microphone'
        : `${rejected[1]} failed`;
    return { what, cause: cause ?? 'the actor rejected' };
  }
  if (type === 'media.error') return { what: 'Camera or microphone', cause: cause ?? 'unknown error' };
  if (type === 'signaling.failed') return { what: 'Relay unreachable', cause: cause ?? 'signaling gave up' };
  if (type === 'peer.failed') return { what: 'Peer connection failed', cause: cause ?? 'ICE failed' };
  if (type === 'peer.ice-error') return { what: 'ICE server error', cause: cause ?? 'unknown' };
  const state = isObject(data) ? text(data.state) : undefined;
  if (state === 'failed' && /connection|ice/.test(type))
    return {
      what: 'ICE failed',
      cause: `${type} became failed: no candidate pair worked (blocked UDP, a firewall, or no TURN server)`,
    };
  if (/(^|\.)(failed|error)$/.test(type)) return { what: type, cause: cause ?? 'no cause given' };
  if (into && !wasIn)
    return {
      what: `${machine ?? 'actor'} ${into}`,
      cause: cause ?? `${shortEvent(type)} moved it to ${formatValue(event.after)}`,
    };
  return undefined;
}
