import type { Logger } from 'pino';
import type { RTCIceServerConfig } from '../src/signaling/protocol.js';

/** Options of {@link Relay}. Every field has a documented default in {@link DEFAULT_OPTIONS}. */
export interface RelayOptions {
  /** TCP port to listen on; `0` picks a free one. */
  port: number;
  /** Interface to bind; `0.0.0.0` or `::` to accept connections from other machines. */
  host: string;
  /** Directory of static files served at `/` (the demo, or your app). Off when empty. */
  static: string;
  /** Directory served at `/dist/`, holding `rtc-kit.js`, so pages can load the kit from the relay. Off when empty. */
  kitDir: string;
  /** Largest WebSocket frame, in bytes; a bigger one closes that connection with 1009. */
  maxPayload: number;
  /** Most peers in one room; the next `join` gets `room-full`. */
  maxPeersPerRoom: number;
  /** Messages per second a connection may send, sustained. */
  rateLimit: number;
  /** Messages a connection may send in a burst above the sustained rate. */
  rateBurst: number;
  /** Rate-limited messages in a row after which the connection is closed with 1008. */
  rateLimitClose: number;
  /** Milliseconds between heartbeat pings; a socket that misses one pong is terminated. */
  heartbeatInterval: number;
  /** Bytes queued to a slow receiver before it is terminated, so one client cannot exhaust memory. */
  maxBufferedAmount: number;
  /** ICE servers handed to every peer in `welcome`. */
  iceServers: RTCIceServerConfig[];
  /** pino log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  logLevel: string;
  /** A pino logger to use instead of the default one writing JSON lines to stdout. */
  logger?: Logger;
}

/** The defaults, one place. */
export const DEFAULT_OPTIONS: Readonly<Omit<RelayOptions, 'logger'>> = Object.freeze({
  port: 8787,
  host: '127.0.0.1',
  static: '',
  kitDir: '',
  maxPayload: 64 * 1024,
  maxPeersPerRoom: 16,
  rateLimit: 50,
  rateBurst: 200,
  rateLimitClose: 200,
  heartbeatInterval: 30_000,
  maxBufferedAmount: 4 * 1024 * 1024,
  iceServers: [],
  logLevel: 'info',
});

type Kind = 'integer' | 'string' | 'json';

/** One command-line option: its flag, environment variable, type and help text. */
interface OptionSpec {
  key: keyof typeof DEFAULT_OPTIONS;
  flag: string;
  env: string;
  kind: Kind;
  help: string;
}

/** Every option the `rtc-relay` command takes, in `--help` order. */
export const OPTION_SPECS: readonly OptionSpec[] = [
  { key: 'port', flag: 'port', env: 'RTC_RELAY_PORT', kind: 'integer', help: 'TCP port (0 picks a free one)' },
  { key: 'host', flag: 'host', env: 'RTC_RELAY_HOST', kind: 'string', help: 'interface to bind (0.0.0.0 for all)' },
  {
    key: 'static',
    flag: 'static',
    env: 'RTC_RELAY_STATIC',
    kind: 'string',
    help: 'directory of static files served at /',
  },
  {
    key: 'kitDir',
    flag: 'kit-dir',
    env: 'RTC_RELAY_KIT_DIR',
    kind: 'string',
    help: 'directory served at /dist/ (rtc-kit.js)',
  },
  {
    key: 'maxPayload',
    flag: 'max-payload',
    env: 'RTC_RELAY_MAX_PAYLOAD',
    kind: 'integer',
    help: 'largest frame in bytes; bigger closes with 1009',
  },
  {
    key: 'maxPeersPerRoom',
    flag: 'max-peers',
    env: 'RTC_RELAY_MAX_PEERS',
    kind: 'integer',
    help: 'most peers in one room',
  },
  {
    key: 'rateLimit',
    flag: 'rate-limit',
    env: 'RTC_RELAY_RATE_LIMIT',
    kind: 'integer',
    help: 'messages per second per connection, sustained',
  },
  {
    key: 'rateBurst',
    flag: 'rate-burst',
    env: 'RTC_RELAY_RATE_BURST',
    kind: 'integer',
    help: 'burst allowance above the sustained rate',
  },
  {
    key: 'rateLimitClose',
    flag: 'rate-limit-close',
    env: 'RTC_RELAY_RATE_LIMIT_CLOSE',
    kind: 'integer',
    help: 'rate-limited messages in a row before closing with 1008',
  },
  {
    key: 'heartbeatInterval',
    flag: 'heartbeat',
    env: 'RTC_RELAY_HEARTBEAT',
    kind: 'integer',
    help: 'ms between heartbeat pings',
  },
  {
    key: 'maxBufferedAmount',
    flag: 'max-buffered',
    env: 'RTC_RELAY_MAX_BUFFERED',
    kind: 'integer',
    help: 'bytes queued to a slow receiver before it is dropped',
  },
  {
    key: 'iceServers',
    flag: 'ice-servers',
    env: 'RTC_RELAY_ICE_SERVERS',
    kind: 'json',
    help: 'JSON array of RTCIceServer sent in welcome',
  },
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'RTC_RELAY_LOG_LEVEL',
    kind: 'string',
    help: 'fatal|error|warn|info|debug|trace|silent',
  },
];

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Thrown for an option that is out of range or contradicts another. */
export class RelayOptionsError extends Error {
  override name = 'RelayOptionsError';
}

/** Converts one option's text (from a flag or the environment) to its typed value. */
export function parseOptionValue(spec: OptionSpec, text: string): unknown {
  if (spec.kind === 'string') return text;
  if (spec.kind === 'integer') {
    if (!/^\d+$/.test(text.trim())) throw new RelayOptionsError(`--${spec.flag} must be a whole number, got "${text}"`);
    return Number(text);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new RelayOptionsError(`--${spec.flag} must be JSON, got "${text}"`);
  }
}

/**
 * Merges `options` over {@link DEFAULT_OPTIONS} and checks the result. Throws {@link RelayOptionsError} for a
 * value out of range or options that contradict each other.
 *
 * @example
 * const options = resolveOptions({ port: 0, maxPeersPerRoom: 4 });
 */
export function resolveOptions(options: Partial<RelayOptions> = {}): RelayOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const resolved: RelayOptions = { ...DEFAULT_OPTIONS, ...defined };
  const positive: (keyof RelayOptions)[] = [
    'maxPayload',
    'maxPeersPerRoom',
    'rateLimit',
    'rateBurst',
    'rateLimitClose',
    'heartbeatInterval',
    'maxBufferedAmount',
  ];
  for (const key of positive) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || (value as number) < 1)
      throw new RelayOptionsError(`${key} must be a positive whole number, got ${String(value)}`);
  }
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535)
    throw new RelayOptionsError(`port must be 0–65535, got ${resolved.port}`);
  if (resolved.maxPayload < 1024) throw new RelayOptionsError('maxPayload below 1024 bytes cannot carry an SDP offer');
  if (resolved.rateBurst < resolved.rateLimit)
    throw new RelayOptionsError(`rateBurst (${resolved.rateBurst}) must be at least rateLimit (${resolved.rateLimit})`);
  if (!LOG_LEVELS.has(resolved.logLevel))
    throw new RelayOptionsError(`logLevel must be one of ${[...LOG_LEVELS].join(', ')}, got "${resolved.logLevel}"`);
  if (
    !Array.isArray(resolved.iceServers) ||
    !resolved.iceServers.every(
      (s) => typeof s === 'object' && s !== null && (typeof s.urls === 'string' || Array.isArray(s.urls)),
    )
  )
    throw new RelayOptionsError('iceServers must be an array of { urls, username?, credential? }');
  return resolved;
}
