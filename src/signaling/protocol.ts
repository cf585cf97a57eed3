/**
 * rtc-kit signaling wire protocol, version 1.
 *
 * One definition of every message, used by the browser client and by `rtc-relay`.
 * Frames are JSON text; see docs/protocol.md for the prose version.
 *
 * @module
 */

/** Protocol version spoken by this build. */
export const PROTOCOL_VERSION = 1;

/** Room names: 1–64 characters of `[A-Za-z0-9_.-]`. */
export const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Resume tokens: 16–64 base64url characters, opaque to the client. */
export const RESUME_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** Largest `meta` object, in bytes of its JSON encoding. */
export const MAX_META_BYTES = 1024;

/**
 * Deepest nesting of objects and arrays in one frame, the frame itself being level 1: `{"type":"signal","to":"…",
 * "data":{"sdp":{…}}}` is 3 deep. Deeper frames are refused as `bad-message` before anything walks them, so no
 * code on either side recurses without bound on what a peer sent.
 */
export const MAX_DEPTH = 32;

/** Keys dropped from `meta` at every level: a client must not be able to smuggle a prototype into the others. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Free-form JSON object a peer publishes about itself when joining (a display name, say). */
export type PeerMeta = { [key: string]: Json };

/** A peer as other members of its room see it. */
export interface PeerInfo {
  /** Server-assigned, unguessable peer id. */
  id: string;
  /** What the peer sent as `meta` when joining (`{}` when it sent none). */
  meta: PeerMeta;
}

/** Join a room. One connection is one peer in at most one room. */
export interface JoinMessage {
  type: 'join';
  room: string;
  /** Shown to the others. A `sub` key is set by the relay alone (from the token), never taken from here. */
  meta?: PeerMeta;
  /**
   * The `resume` token of an earlier `welcome`: within the relay's grace period the connection takes that
   * session back (same peer id, signals sent meanwhile delivered); otherwise the join proceeds as a new peer.
   */
  resume?: string;
}

/** Send opaque JSON (SDP, ICE candidates, app data) to one peer of the sender's room. */
export interface SignalMessage {
  type: 'signal';
  to: string;
  data: Json;
}

/** Leave the current room; the connection stays open and may join again. */
export interface LeaveMessage {
  type: 'leave';
}

/** Application-level liveness check, answered with `pong`. */
export interface PingMessage {
  type: 'ping';
}

/** Every message a client may send. */
export type ClientMessage = JoinMessage | SignalMessage | LeaveMessage | PingMessage;

/** Sent once a join succeeds. */
export interface WelcomeMessage {
  type: 'welcome';
  /** The id the server gave this connection. */
  peer: string;
  room: string;
  /** Everyone already in the room, oldest first. */
  peers: PeerInfo[];
  /** ICE servers from the relay's configuration (empty unless configured), TURN credentials included. */
  iceServers: RTCIceServerConfig[];
  /** Send it back in `join` after a reconnect to keep this peer id. Absent when the relay has resume off. */
  resume?: string;
}

/** Another peer joined the room. */
export interface PeerJoinedMessage {
  type: 'peer-joined';
  peer: PeerInfo;
}

/** A peer left the room: it sent `leave`, closed, or stopped answering heartbeats. */
export interface PeerLeftMessage {
  type: 'peer-left';
  peer: string;
}

/** A signal from another peer. `from` is always set by the server. */
export interface SignalFromMessage {
  type: 'signal';
  from: string;
  data: Json;
}

/** Answer to `ping`. */
export interface PongMessage {
  type: 'pong';
}

/** Something the client sent was refused. The connection stays usable. */
export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

/** Every message the server may send. */
export type ServerMessage =
  WelcomeMessage | PeerJoinedMessage | PeerLeftMessage | SignalFromMessage | PongMessage | ErrorMessage;

/** The shape of an ICE server entry, as in `RTCIceServer`, without depending on DOM types. */
export interface RTCIceServerConfig {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Every error code the relay sends, with what it means. The one place they are listed.
 */
export const ERROR_CODES = {
  'bad-message': 'The frame is not a valid message: not JSON, binary, or a field has the wrong type.',
  'unknown-type': 'The message type is not one the protocol defines.',
  'not-joined': 'The message needs a room, and the connection has not joined one.',
  'already-joined': 'The connection is already in a room; send leave first.',
  'unknown-peer': 'No peer with that id is in the sender’s room.',
  'room-full': 'The room already holds the maximum number of peers.',
  'rate-limited': 'Too many messages; they were dropped. Sent at most once a second, with how many.',
  forbidden: 'The connection’s token does not grant that room.',
  unavailable:
    'The relay cannot reach its other nodes right now (its Redis backplane is down): the join or signal did not ' +
    'happen. Retry later; a client retries a join with its reconnection backoff.',
} as const;

/** A code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Why a relay would refuse a WebSocket upgrade, as its plain `GET /signal` probe answers (`{"ok":false,"code":…}`)
 * and the kit reads it: the relay maps each refusal to one of these, the client words each for its user.
 */
export type ProbeCode =
  'bad-request' | 'not-found' | 'unauthorized' | 'origin-refused' | 'too-many-connections' | 'unavailable';

/** WebSocket close codes the relay uses. */
export const CLOSE_CODES = {
  /** The relay is shutting down. */
  goingAway: 1001,
  /** The client kept sending far over its rate limit, or never joined a room within the join timeout. */
  policyViolation: 1008,
  /** A frame exceeded the relay's size limit. */
  messageTooBig: 1009,
  /** The relay failed handling a frame (a bug): reconnect. */
  internalError: 1011,
  /** Another connection resumed this one's session. */
  superseded: 4000,
} as const;

/** The result of {@link parseClientMessage}: the message, or the error to send back. */
export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; message: string };

const fail = (code: ErrorCode, message: string): { ok: false; code: ErrorCode; message: string } => ({
  ok: false,
  code,
  message,
});

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses and validates one text frame from a client. Never throws.
 *
 * @example
 * const result = parseClientMessage('{"type":"join","room":"standup"}');
 * if (result.ok) console.log(result.message.type); // 'join'
 * else console.log(result.code); // e.g. 'bad-message'
 */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  try {
    return classify(text);
  } catch {
    // Nothing above is known to throw; this keeps the promise whatever a future change does.
    return fail('bad-message', 'Frame could not be read.');
  }
}

function classify(text: string): ParseResult<ClientMessage> {
  if (typeof text !== 'string') return fail('bad-message', 'A frame must be text.');
  let value: unknown;
  try {
    // V8's JSON.parse does not recurse on the native stack, so depth is checked on the result.
    value = JSON.parse(text);
  } catch {
    return fail('bad-message', 'Frame is not valid JSON.');
  }
  if (!isObject(value)) return fail('bad-message', 'A message must be a JSON object.');
  // Nesting deeper than MAX_DEPTH takes more opening brackets than that: most frames skip the walk.
  if (bracketsAtLeast(text, MAX_DEPTH + 1) && exceedsDepth(value, MAX_DEPTH))
    return fail('bad-message', `A message may nest objects and arrays at most ${MAX_DEPTH} levels deep.`);
  if (typeof value.type !== 'string') return fail('bad-message', 'A message needs a string "type".');
  switch (value.type) {
    case 'join':
      return validateJoin(value);
    case 'signal':
      if (typeof value.to !== 'string' || value.to.length === 0 || value.to.length > 64)
        return fail('bad-message', 'signal needs "to": a peer id string.');
      if (!('data' in value)) return fail('bad-message', 'signal needs "data".');
      return { ok: true, message: { type: 'signal', to: value.to, data: value.data as Json } };
    case 'leave':
      return { ok: true, message: { type: 'leave' } };
    case 'ping':
      return { ok: true, message: { type: 'ping' } };
    default:
      return fail('unknown-type', `Unknown message type "${value.type.slice(0, 32)}".`);
  }
}

function validateJoin(value: Record<string, unknown>): ParseResult<JoinMessage> {
  const { room, meta, resume } = value;
  if (typeof room !== 'string' || !ROOM_PATTERN.test(room))
    return fail('bad-message', 'join needs "room": 1–64 characters of A–Z, a–z, 0–9, "_", "." or "-".');
  if (resume !== undefined && (typeof resume !== 'string' || !RESUME_PATTERN.test(resume)))
    return fail('bad-message', 'join "resume" must be the token of an earlier welcome.');
  const message: JoinMessage = { type: 'join', room };
  if (resume !== undefined) message.resume = resume;
  if (meta === undefined) return { ok: true, message };
  if (!isObject(meta)) return fail('bad-message', 'join "meta" must be a JSON object.');
  // Depth is already capped (parseClientMessage), so copying and encoding recurse at most MAX_DEPTH levels.
  const clean = withoutUnsafeKeys(meta) as PeerMeta;
  if (new TextEncoder().encode(JSON.stringify(clean)).length > MAX_META_BYTES)
    return fail('bad-message', `join "meta" must be at most ${MAX_META_BYTES} bytes of JSON.`);
  message.meta = clean;
  return { ok: true, message };
}

/**
 * Whether `value` nests objects and arrays more than `limit` levels deep (`value` itself is level 1). Walks with
 * its own stack, never the call stack, so any depth is measured safely; stops at the first level past `limit`.
 *
 * @example
 * exceedsDepth(JSON.parse('[[[]]]'), 2); // true
 */
export function exceedsDepth(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Whether `text` holds at least `count` `{` or `[` (inside strings too: over-counting only costs a walk). */
function bracketsAtLeast(text: string, count: number): boolean {
  let seen = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code === 0x7b || code === 0x5b) && ++seen >= count) return true;
  }
  return false;
}

/** A copy of a JSON value without `__proto__`, `constructor` or `prototype` keys. Only for depth-checked input. */
function withoutUnsafeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUnsafeKeys);
  if (!isObject(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!UNSAFE_KEYS.has(key)) copy[key] = withoutUnsafeKeys(item);
  }
  return copy;
}

/**
 * Parses one text frame from the server. Never throws; returns `undefined` for anything that is not a
 * well-formed server message, so a client can ignore it.
 *
 * @example
 * socket.onmessage = (e) => {
 *   const message = parseServerMessage(e.data);
 *   if (message?.type === 'welcome') console.log('I am', message.peer);
 * };
 */
export function parseServerMessage(text: unknown): ServerMessage | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  switch (value.type) {
    case 'welcome':
      return typeof value.peer === 'string' &&
        typeof value.room === 'string' &&
        Array.isArray(value.peers) &&
        (value.resume === undefined || typeof value.resume === 'string')
        ? (value as unknown as WelcomeMessage)
        : undefined;
    case 'peer-joined':
      return isObject(value.peer) && typeof value.peer.id === 'string'
        ? (value as unknown as PeerJoinedMessage)
        : undefined;
    case 'peer-left':
      return typeof value.peer === 'string' ? (value as unknown as PeerLeftMessage) : undefined;
    case 'signal':
      return typeof value.from === 'string' && 'data' in value ? (value as unknown as SignalFromMessage) : undefined;
    case 'pong':
      return { type: 'pong' };
    case 'error':
      return typeof value.code === 'string' ? (value as unknown as ErrorMessage) : undefined;
    default:
      return undefined;
  }
}
