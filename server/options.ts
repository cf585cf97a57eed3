import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { RTCIceServerConfig } from '../src/signaling/protocol.js';
import { checkOriginPattern } from './admission.js';
import type { Backplane } from './backplane.js';

/** The longest a TURN credential may live: a leaked one is an open relay until it expires. */
export const MAX_TURN_TTL = 86_400;

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
  /**
   * Serve the trace viewer at `GET /inspect`: a page where a developer opens a trace a user exported from
   * `<rtc-inspector>`. It loads the kit's browser build (`kitDir`, or the package's own `dist/`).
   */
  inspect: boolean;
  /** Largest WebSocket frame, in bytes; a bigger one closes that connection with 1009. */
  maxPayload: number;
  /** Most peers in one room; the next `join` gets `room-full`. */
  maxPeersPerRoom: number;
  /** Messages per second a connection may send, sustained. */
  rateLimit: number;
  /** Messages a connection may send in a burst above the sustained rate. */
  rateBurst: number;
  /**
   * Rate-limited messages within one second after which the connection is closed with 1008: a client sustaining
   * several times its rate is cut off within a second, one that slightly overshoots is only told.
   */
  rateLimitClose: number;
  /** Milliseconds between heartbeat pings; a socket that misses one pong is terminated. */
  heartbeatInterval: number;
  /** Bytes queued to a slow receiver before it is terminated, so one client cannot exhaust memory. */
  maxBufferedAmount: number;
  /** ICE servers handed to every peer in `welcome`, after the STUN and TURN servers below. */
  iceServers: RTCIceServerConfig[];
  /**
   * HS256 key of the JWTs clients must present as `?token=` on the WebSocket URL (at least 32 characters).
   * Off when empty: anyone may connect.
   */
  secret: string;
  /**
   * Origins (`https://app.example`, or `https://*.example.com` for any subdomain) whose pages may connect; any
   * other `Origin` gets 403. Any when empty.
   */
  allowOrigins: string[];
  /** Open connections, upgrades in progress and held sessions of one IP address; the next upgrade gets 429. */
  maxConnectionsPerIp: number;
  /** Open TCP connections in all, HTTP and WebSocket; past it new ones are dropped at once. */
  maxConnections: number;
  /** Upgrades in progress (waiting on a token check) at once; past it an upgrade gets 503. */
  maxPendingUpgrades: number;
  /** Ms a client has to send its request headers; slower connections are closed. */
  headerTimeout: number;
  /** Ms a connection may stay open without being in a room (after connecting or a `leave`); then closed with 1008. */
  joinTimeout: number;
  /**
   * Take the client address from the last `X-Forwarded-For` entry (set by your load balancer) for the per-IP cap
   * and the logs. Only behind a proxy that sets it: otherwise clients could pick their own address.
   */
  trustProxy: boolean;
  /** STUN server URLs (`stun:host:3478`) put in `welcome.iceServers`. */
  stunUrls: string[];
  /** TURN server URLs (`turn:host:3478?transport=udp`) put in `welcome.iceServers` with short-lived credentials. */
  turnUrls: string[];
  /** coturn's `static-auth-secret`, which signs the TURN credentials (its REST API scheme). */
  turnSecret: string;
  /** Seconds a TURN credential stays valid; at most {@link MAX_TURN_TTL} (24 h). */
  turnTtl: number;
  /**
   * Hand TURN credentials to clients that need no token. Without `secret`, anyone who can reach the relay gets
   * credentials, which makes the TURN server an open relay: the relay refuses to start that way unless this is set.
   */
  turnWithoutAuth: boolean;
  /** Ms a session whose socket dropped without `leave` is kept for a `resume`; 0 turns resume off. */
  resumeGrace: number;
  /** Messages kept for a dropped session; one more ends it at once (its room is told `peer-left`). */
  resumeBuffer: number;
  /** Bytes kept for a dropped session; past it the session ends at once, like past `resumeBuffer` messages. */
  resumeBufferBytes: number;
  /** Bearer token `GET /metrics` requires (`Authorization: Bearer …`). Open to anyone when empty. */
  metricsToken: string;
  /** `redis://host:6379`: share rooms with other relay nodes through Redis. In-memory (one node) when empty. */
  redisUrl: string;
  /** Ms a node's Redis records live without a refresh; a dead node's peers leave this long after it dies. */
  redisTtl: number;
  /**
   * Ms `listen()` keeps trying to reach Redis at start before it fails (the command line then exits with 1),
   * rather than waiting for ever without listening.
   */
  redisStartTimeout: number;
  /** pino log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. */
  logLevel: string;
  /** A pino logger to use instead of the default one writing JSON lines to stdout. */
  logger?: Logger;
  /** A backplane to use instead of the one `redisUrl` picks (in-memory, or Redis): for embedding and tests. */
  backplane?: Backplane;
}

/** The defaults, one place. */
export const DEFAULT_OPTIONS: Readonly<Omit<RelayOptions, 'logger' | 'backplane'>> = Object.freeze({
  port: 8787,
  host: '127.0.0.1',
  static: '',
  kitDir: '',
  inspect: true,
  maxPayload: 64 * 1024,
  maxPeersPerRoom: 16,
  rateLimit: 50,
  rateBurst: 200,
  rateLimitClose: 200,
  heartbeatInterval: 30_000,
  maxBufferedAmount: 4 * 1024 * 1024,
  iceServers: [],
  secret: '',
  allowOrigins: [],
  maxConnectionsPerIp: 50,
  maxConnections: 10_000,
  maxPendingUpgrades: 256,
  headerTimeout: 10_000,
  joinTimeout: 15_000,
  trustProxy: false,
  stunUrls: [],
  turnUrls: [],
  turnSecret: '',
  turnTtl: 3600,
  turnWithoutAuth: false,
  resumeGrace: 15_000,
  resumeBuffer: 256,
  resumeBufferBytes: 256 * 1024,
  metricsToken: '',
  redisUrl: '',
  redisTtl: 15_000,
  redisStartTimeout: 10_000,
  logLevel: 'info',
});

type Kind = 'integer' | 'string' | 'json' | 'list' | 'boolean' | 'duration';

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
    help: "directory served at /dist/ (rtc-kit.js; the package's own dist/ when empty)",
  },
  {
    key: 'inspect',
    flag: 'inspect',
    env: 'RTC_RELAY_INSPECT',
    kind: 'boolean',
    help: 'serve the trace viewer at /inspect (default true)',
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
    help: 'rate-limited messages within 1 s before closing with 1008',
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
    key: 'secret',
    flag: 'secret',
    env: 'RTC_RELAY_SECRET',
    kind: 'string',
    help: 'HS256 key: require a JWT as ?token= (32+ chars)',
  },
  {
    key: 'allowOrigins',
    flag: 'allow-origin',
    env: 'RTC_RELAY_ALLOW_ORIGIN',
    kind: 'list',
    help: 'comma list of page origins allowed to connect',
  },
  {
    key: 'maxConnectionsPerIp',
    flag: 'max-per-ip',
    env: 'RTC_RELAY_MAX_PER_IP',
    kind: 'integer',
    help: 'connections and held sessions per client IP; more get 429',
  },
  {
    key: 'maxConnections',
    flag: 'max-connections',
    env: 'RTC_RELAY_MAX_CONNECTIONS',
    kind: 'integer',
    help: 'open TCP connections in all; more are dropped',
  },
  {
    key: 'maxPendingUpgrades',
    flag: 'max-pending',
    env: 'RTC_RELAY_MAX_PENDING',
    kind: 'integer',
    help: 'upgrades being checked at once; more get 503',
  },
  {
    key: 'headerTimeout',
    flag: 'header-timeout',
    env: 'RTC_RELAY_HEADER_TIMEOUT',
    kind: 'integer',
    help: 'ms a client has to send its request headers',
  },
  {
    key: 'joinTimeout',
    flag: 'join-timeout',
    env: 'RTC_RELAY_JOIN_TIMEOUT',
    kind: 'integer',
    help: 'ms a connection may stay outside a room (1008)',
  },
  {
    key: 'trustProxy',
    flag: 'trust-proxy',
    env: 'RTC_RELAY_TRUST_PROXY',
    kind: 'boolean',
    help: 'client IP from X-Forwarded-For (behind a proxy)',
  },
  { key: 'stunUrls', flag: 'stun-url', env: 'RTC_RELAY_STUN_URL', kind: 'list', help: 'comma list of STUN URLs' },
  { key: 'turnUrls', flag: 'turn-url', env: 'RTC_RELAY_TURN_URL', kind: 'list', help: 'comma list of TURN URLs' },
  {
    key: 'turnSecret',
    flag: 'turn-secret',
    env: 'RTC_RELAY_TURN_SECRET',
    kind: 'string',
    help: "coturn's static-auth-secret",
  },
  {
    key: 'turnTtl',
    flag: 'turn-ttl',
    env: 'RTC_RELAY_TURN_TTL',
    kind: 'duration',
    help: 'TURN credential lifetime, s (or 90s, 15m, 1h; at most 1d)',
  },
  {
    key: 'turnWithoutAuth',
    flag: 'turn-without-auth',
    env: 'RTC_RELAY_TURN_WITHOUT_AUTH',
    kind: 'boolean',
    help: 'hand TURN credentials out without --secret (open relay!)',
  },
  {
    key: 'resumeGrace',
    flag: 'resume-grace',
    env: 'RTC_RELAY_RESUME_GRACE',
    kind: 'integer',
    help: 'ms a dropped session waits for resume (0: off)',
  },
  {
    key: 'resumeBuffer',
    flag: 'resume-buffer',
    env: 'RTC_RELAY_RESUME_BUFFER',
    kind: 'integer',
    help: 'messages kept for a dropped session',
  },
  {
    key: 'resumeBufferBytes',
    flag: 'resume-buffer-bytes',
    env: 'RTC_RELAY_RESUME_BUFFER_BYTES',
    kind: 'integer',
    help: 'bytes kept for a dropped session',
  },
  {
    key: 'metricsToken',
    flag: 'metrics-token',
    env: 'RTC_RELAY_METRICS_TOKEN',
    kind: 'string',
    help: 'bearer token GET /metrics requires (open when empty)',
  },
  {
    key: 'redisUrl',
    flag: 'redis-url',
    env: 'RTC_RELAY_REDIS_URL',
    kind: 'string',
    help: 'redis://host:port to share rooms across nodes',
  },
  {
    key: 'redisTtl',
    flag: 'redis-ttl',
    env: 'RTC_RELAY_REDIS_TTL',
    kind: 'integer',
    help: "ms a dead node's peers stay listed",
  },
  {
    key: 'redisStartTimeout',
    flag: 'redis-start-timeout',
    env: 'RTC_RELAY_REDIS_START_TIMEOUT',
    kind: 'integer',
    help: 'ms to keep trying to reach Redis at start, then exit',
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
  if (spec.kind === 'list')
    return text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  if (spec.kind === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
    if (/^(0|false|no|off)$/i.test(text.trim())) return false;
    throw new RelayOptionsError(`--${spec.flag} must be true or false, got "${text}"`);
  }
  if (spec.kind === 'duration') {
    const seconds = parseDuration(text);
    if (seconds === undefined)
      throw new RelayOptionsError(`--${spec.flag} must be a duration such as 3600, 90s, 15m, 1h or 1d, got "${text}"`);
    return seconds;
  }
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

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };

/**
 * Reads a duration in seconds: a whole number, optionally followed by `s`, `m`, `h` or `d`. `undefined` when
 * `text` is not one.
 *
 * @example
 * parseDuration('1h'); // 3600
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNITS[match[2]!]!;
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

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
    'maxConnectionsPerIp',
    'maxConnections',
    'maxPendingUpgrades',
    'headerTimeout',
    'joinTimeout',
    'turnTtl',
    'resumeBuffer',
    'resumeBufferBytes',
    'redisTtl',
    'redisStartTimeout',
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
  if (!Number.isSafeInteger(resolved.resumeGrace) || resolved.resumeGrace < 0)
    throw new RelayOptionsError(`resumeGrace must be 0 (off) or more ms, got ${String(resolved.resumeGrace)}`);
  if (typeof resolved.secret !== 'string' || (resolved.secret !== '' && resolved.secret.length < 32))
    throw new RelayOptionsError('secret must be at least 32 characters: shorter HS256 keys can be brute-forced');
  if (!isStringList(resolved.allowOrigins)) throw new RelayOptionsError('allowOrigins must be a list of origins');
  for (const origin of resolved.allowOrigins) {
    const problem = checkOriginPattern(origin);
    if (problem) throw new RelayOptionsError(`allowOrigins ${problem}`);
  }
  if (typeof resolved.inspect !== 'boolean') throw new RelayOptionsError('inspect must be true or false');
  if (typeof resolved.trustProxy !== 'boolean') throw new RelayOptionsError('trustProxy must be true or false');
  if (!isStringList(resolved.stunUrls) || !resolved.stunUrls.every((url) => /^stuns?:/.test(url)))
    throw new RelayOptionsError('stunUrls must be stun: or stuns: URLs');
  if (!isStringList(resolved.turnUrls) || !resolved.turnUrls.every((url) => /^turns?:/.test(url)))
    throw new RelayOptionsError('turnUrls must be turn: or turns: URLs');
  if (resolved.turnUrls.length > 0 && !resolved.turnSecret)
    throw new RelayOptionsError('turnUrls need turnSecret, the secret the TURN server checks credentials with');
  if (resolved.turnSecret && resolved.turnUrls.length === 0)
    throw new RelayOptionsError('turnSecret is set but turnUrls is empty: say which TURN servers it is for');
  if (resolved.turnTtl > MAX_TURN_TTL)
    throw new RelayOptionsError(`turnTtl must be at most ${MAX_TURN_TTL} s (24 h), got ${resolved.turnTtl}`);
  if (typeof resolved.turnWithoutAuth !== 'boolean')
    throw new RelayOptionsError('turnWithoutAuth must be true or false');
  if (resolved.turnSecret && !resolved.secret && !resolved.turnWithoutAuth)
    throw new RelayOptionsError(
      'turnSecret without secret would hand TURN credentials to anyone (an open relay): set secret, ' +
        'or turnWithoutAuth if that is what you want',
    );
  if (typeof resolved.metricsToken !== 'string') throw new RelayOptionsError('metricsToken must be a string');
  for (const key of ['static', 'kitDir'] as const) {
    const dir = resolved[key];
    if (typeof dir !== 'string') throw new RelayOptionsError(`${key} must be a directory path`);
    if (dir && !isDirectory(dir)) throw new RelayOptionsError(`${key} "${dir}" is not a directory`);
  }
  if (resolved.redisUrl && !/^rediss?:\/\//.test(resolved.redisUrl))
    throw new RelayOptionsError(`redisUrl must be a redis:// or rediss:// URL, got "${resolved.redisUrl}"`);
  if (resolved.redisTtl < 100) throw new RelayOptionsError('redisTtl must be at least 100 ms');
  return resolved;
}
