/**
 * Child process: the rtc-kit relay as the benchmark runs it. Silent logging, and the per-connection rate
 * limiter raised to 1e9 msg/s so it never caps throughput (its token-bucket bookkeeping still runs on every
 * message). Everything else is the default: validation, room cap 16, heartbeats, slow-receiver guard.
 * With RTC_BENCH_REDIS_URL set, the relay is one node of several sharing rooms through that Redis.
 *
 * @module
 */
import { Relay } from '../server/index.js';
import { serveToParent } from './child.js';

// Every benchmark client connects from 127.0.0.1: the per-IP cap is lifted too.
const relay = new Relay({
  port: 0,
  host: '127.0.0.1',
  logLevel: 'silent',
  rateLimit: 1e9,
  rateBurst: 1e9,
  maxConnectionsPerIp: 1e6,
  redisUrl: process.env.RTC_BENCH_REDIS_URL ?? '',
});
const { port } = await relay.listen();
serveToParent({ port, peers: () => relay.health().peers, close: () => relay.close() });
