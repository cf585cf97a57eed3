/**
 * `rtc-relay` as a library: embed the relay in your own Node process.
 *
 * @example
 * import { Relay } from 'rtc-kit/relay';
 * const relay = new Relay({ port: 8787 });
 * await relay.listen();
 *
 * @module
 */
export { Relay, SIGNAL_PATH, type RelayHealth } from './relay.js';
export {
  DEFAULT_OPTIONS,
  MAX_TURN_TTL,
  OPTION_SPECS,
  RelayOptionsError,
  parseDuration,
  resolveOptions,
  type RelayOptions,
} from './options.js';
export { TokenBucket } from './rate-limit.js';
export { mintToken, verifyToken, type MintOptions, type TokenClaims } from './auth.js';
export { originAllowed, redactUrl, PROBE_CODES, REFUSALS, type Refusal } from './admission.js';
export { turnCredentials, iceServersFor, type TurnCredentials } from './turn.js';
export { MemoryBackplane, type Backplane, type BackplaneJoin, type BackplaneSink } from './backplane.js';
// Types only: a value export would load ioredis for every user of the library; the relay imports the Redis
// backplane itself, and only when given a redisUrl.
export type { RedisBackplane, RedisBackplaneOptions } from './redis-backplane.js';
export { RelayMetrics } from './metrics.js';
