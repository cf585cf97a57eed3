/**
 * Turns whatever an XState event carries (MediaStreams, RTCPeerConnections, actor refs, errors, cycles) into
 * plain JSON that describes it, and hides secrets: TURN credentials and tokens always; SDP and ICE candidates
 * unless the trace is exported with `includeSdp`. Pure, no I/O.
 *
 * @module
 */
import { summariseCandidate, summariseSdp, type CandidateSummary, type SdpSummary } from './sdp.js';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * An SDP blob as the recorder keeps it: its summary, and the text itself until export, where it is dropped unless
 * `includeSdp` is asked for.
 */
export interface RecordedSdp {
  $sdp: SdpSummary;
  /** The SDP text: only in traces exported with `includeSdp`. */
  raw?: string;
}

/** An ICE candidate as the recorder keeps it: its type and protocol, and the line itself until export. */
export interface RecordedCandidate {
  $candidate: CandidateSummary;
  /** The candidate line: only in traces exported with `includeSdp`. */
  raw?: string;
}

/** Keys whose values are secrets: never recorded. */
const SECRET_KEYS = new Set(['credential', 'password', 'token', 'secret', 'authorization']);
const MAX_DEPTH = 6;
const MAX_ITEMS = 50;
const MAX_STRING = 2000;

/** `MediaStream` and friends exist only in browsers: look them up without failing elsewhere. */
const global = globalThis as Record<string, unknown>;
const is = (value: object, name: string): boolean => {
  const type = global[name];
  return typeof type === 'function' && value instanceof (type as new () => unknown);
};

/** A short description of a browser object that cannot be JSON, or `undefined` for anything else. */
function describeObject(value: object): JsonValue | undefined {
  if (is(value, 'MediaStream')) {
    const stream = value as MediaStream;
    return { $type: 'MediaStream', id: stream.id, tracks: stream.getTracks().map((t) => t.kind) };
  }
  if (is(value, 'MediaStreamTrack')) {
    const track = value as MediaStreamTrack;
    return {
      $type: 'MediaStreamTrack',
      kind: track.kind,
      label: track.label,
      readyState: track.readyState,
      enabled: track.enabled,
    };
  }
  if (is(value, 'RTCPeerConnection')) {
    const pc = value as RTCPeerConnection;
    return { $type: 'RTCPeerConnection', connectionState: pc.connectionState, signalingState: pc.signalingState };
  }
  if (is(value, 'RTCRtpSender')) return { $type: 'RTCRtpSender', track: (value as RTCRtpSender).track?.kind ?? null };
  if (is(value, 'RTCDataChannel')) {
    const channel = value as RTCDataChannel;
    return { $type: 'RTCDataChannel', label: channel.label, readyState: channel.readyState };
  }
  if (value instanceof Error || is(value, 'DOMException')) {
    const error = value as Error;
    return { $type: 'Error', name: error.name, message: String(error.message).slice(0, MAX_STRING) };
  }
  // An actor ref: name it rather than walk the whole system.
  if ('sessionId' in value && 'send' in value && typeof (value as { send: unknown }).send === 'function') {
    const actor = value as { id?: unknown; sessionId?: unknown };
    return { $type: 'Actor', id: String(actor.id), sessionId: String(actor.sessionId) };
  }
  if (value instanceof Map || value instanceof Set) return { $type: value.constructor.name, size: value.size };
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return { $type: value.constructor.name, byteLength: (value as ArrayBuffer).byteLength };
  if (is(value, 'Blob')) return { $type: 'Blob', size: (value as Blob).size, type: (value as Blob).type };
  if (is(value, 'Event')) return { $type: value.constructor.name, type: (value as Event).type };
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value))
    return { $type: (value.constructor as { name?: string } | undefined)?.name || 'Object' };
  return undefined;
}

/**
 * A JSON copy of `value` that says what it held: browser objects become `{ $type, … }` summaries, SDP becomes
 * {@link RecordedSdp}, candidates {@link RecordedCandidate}, secrets `"[redacted]"`. Functions and `undefined`
 * are left out, cycles and deep nesting cut, long arrays and strings shortened.
 *
 * @example
 * toJson({ stream, description: { type: 'offer', sdp } });
 * // { stream: { $type: 'MediaStream', id: '…', tracks: ['audio', 'video'] }, description: { type: 'offer', sdp: { $sdp: {…}, raw: 'v=0…' } } }
 */
export function toJson(value: unknown, key = '', depth = 0, seen = new WeakSet<object>()): JsonValue | undefined {
  if (SECRET_KEYS.has(key.toLowerCase()) && value !== undefined && value !== null) return '[redacted]';
  switch (typeof value) {
    case 'string':
      if (key === 'sdp' && value.startsWith('v='))
        return { $sdp: summariseSdp(value), raw: value } as unknown as JsonValue;
      if (key === 'candidate' && /^(a=)?candidate:/.test(value))
        return { $candidate: summariseCandidate(value), raw: value } as unknown as JsonValue;
      return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  const described = describeObject(value);
  if (described !== undefined) return described;
  if (seen.has(value)) return { $type: 'Cycle' };
  if (depth >= MAX_DEPTH) return { $type: Array.isArray(value) ? 'Array' : 'Object', cut: true };
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((item) => toJson(item, '', depth + 1, seen) ?? null);
      if (value.length > MAX_ITEMS) items.push({ $type: 'More', count: value.length - MAX_ITEMS });
      return items;
    }
    const out: Record<string, JsonValue> = {};
    let count = 0;
    for (const [k, v] of Object.entries(value)) {
      if (count++ >= MAX_ITEMS) break;
      const json = toJson(v, k, depth + 1, seen);
      if (json !== undefined) out[k] = json;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** A copy of recorded JSON without the raw SDP and candidate lines (their summaries stay). */
export function redact(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  if ('$sdp' in value || '$candidate' in value) {
    const rest = { ...value };
    delete rest.raw;
    return rest;
  }
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v);
  return out;
}
