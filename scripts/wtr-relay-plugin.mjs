// A @web/test-runner plugin that gives browser tests a real rtc-relay, the Chrome DevTools Protocol, and on demand
// a TURN server and a Redis-backed pair of relay nodes. web-test-runner.config.mjs registers tsx first, so this
// imports the relay and the server tests' helpers from their TypeScript sources (no build needed).
//
// Server commands, called from a test with `executeServerCommand(name, payload)` from @web/test-runner-commands:
// - `relay-url`: the relay's WebSocket URL, e.g. ws://127.0.0.1:40123/signal.
// - `relay-stop`: closes the relay (every socket drops); `relay-start` starts it again on the same port.
// - `cdp` `{ method, params }`: sends one CDP command on the test's own page and returns its result,
//   e.g. `{ method: 'Network.emulateNetworkConditions', params: { latency: 150, ... } }`. In a browser without
//   the protocol (Firefox) it fails with "cdp needs Chromium: …".
// - `turn-relay` `{ secret: 'right' | 'wrong' }`: starts coturn (once) and a relay handing out TURN credentials
//   signed with coturn's secret, or with another one that coturn refuses; returns `{ url, turn }`.
// - `redis-relays`: starts redis-server and two relay nodes sharing it; returns their two WebSocket URLs.
// - `refusing-relay` `{ kind: 'secret' | 'origin' | 'one-per-ip' }`: a relay (started once per kind) that needs a
//   token (returns one that works too), admits only another origin than the tests', or one connection per address;
//   returns `{ url, token? }`.
// - `closed-port`: the WebSocket URL of a port on 127.0.0.1 where nothing listens.
import { once as onceEvent } from 'node:events';
import { createServer } from 'node:net';
import { startCoturn } from '../test/server/coturn.js';
import { startRedis } from '../test/server/redis.js';
import { mintToken, Relay } from '../server/index.js';

/** The secret of the `refusing-relay` that needs a token. */
const RELAY_SECRET = 'rtc-kit-test-relay-secret-0123456789abcdef';

/** The relay options of each `refusing-relay` kind. */
const REFUSING = {
  secret: { secret: RELAY_SECRET },
  origin: { allowOrigins: ['https://elsewhere.example'] },
  'one-per-ip': { maxConnectionsPerIp: 1 },
};

/** A port on 127.0.0.1 that was free a moment ago, and where nothing listens. */
async function closedPort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await onceEvent(server, 'listening');
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  server.close();
  await onceEvent(server, 'close');
  return port;
}

/** The secret coturn is started with, and one it does not know. */
const TURN_SECRETS = {
  right: 'rtc-kit-test-turn-secret-0123456789abcdef',
  wrong: 'not-the-turn-servers-secret-0123456789ab',
};

const logLevel = process.env.RTC_RELAY_LOG_LEVEL ?? 'warn';

/** Starts a relay with `options` on a free port; resolves with it and its WebSocket URL. */
async function startRelay(options = {}) {
  const relay = new Relay({ port: 0, logLevel, ...options });
  const { port } = await relay.listen();
  return { relay, url: `ws://127.0.0.1:${port}/signal` };
}

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function relayPlugin() {
  /** @type {Relay | undefined} */
  let relay;
  let url = '';
  let port = 0;
  const start = async () => {
    relay = new Relay({ port, logLevel });
    port = (await relay.listen()).port;
    url = `ws://127.0.0.1:${port}/signal`;
  };
  /** @type {Map<string, Promise<import('puppeteer-core').CDPSession>>} */
  const cdpSessions = new Map();
  /** Everything started on demand, stopped with the test run (last started, first stopped). */
  const services = /** @type {(() => Promise<unknown>)[]} */ ([]);
  /** Started once per run, by command and payload. @type {Map<string, Promise<unknown>>} */
  const started = new Map();
  /** @param {string} key @param {() => Promise<unknown>} make */
  const once = (key, make) => {
    if (!started.has(key)) started.set(key, make());
    return started.get(key);
  };
  /** @type {Promise<import('../test/server/coturn.js').Coturn> | undefined} */
  let coturn;

  return {
    name: 'rtc-relay',
    serverStart: start,
    async serverStop() {
      await relay?.close();
      for (const stop of services.splice(0).reverse()) await stop().catch((error) => console.error(error));
    },
    async executeCommand({ command, payload, session }) {
      if (command === 'relay-url') return url;
      if (command === 'relay-stop') {
        await relay?.close();
        relay = undefined;
        return true;
      }
      if (command === 'relay-start') {
        if (!relay) await start();
        return url;
      }
      if (command === 'turn-relay') {
        const { secret } = /** @type {{ secret: 'right' | 'wrong' }} */ (payload);
        if (!(secret in TURN_SECRETS)) throw new Error('turn-relay takes { secret: "right" | "wrong" }');
        coturn ??= startCoturn({ secret: TURN_SECRETS.right }).then((server) => {
          services.push(() => server.stop());
          return server;
        });
        const turn = await coturn;
        return once(`turn-relay ${secret}`, async () => {
          const node = await startRelay({
            turnUrls: [turn.url],
            turnSecret: TURN_SECRETS[secret],
            turnWithoutAuth: true,
          });
          services.push(() => node.relay.close());
          return { url: node.url, turn: turn.url };
        });
      }
      if (command === 'redis-relays') {
        return once('redis-relays', async () => {
          const redis = await startRedis();
          services.push(() => redis.stop());
          const nodes = [];
          for (let i = 0; i < 2; i++) {
            const node = await startRelay({ redisUrl: redis.url });
            services.push(() => node.relay.close());
            nodes.push(node.url);
          }
          return nodes;
        });
      }
      if (command === 'refusing-relay') {
        const { kind } = /** @type {{ kind: keyof typeof REFUSING }} */ (payload);
        if (!(kind in REFUSING)) throw new Error('refusing-relay takes { kind: "secret" | "origin" | "one-per-ip" }');
        return once(`refusing-relay ${kind}`, async () => {
          const node = await startRelay(REFUSING[kind]);
          services.push(() => node.relay.close());
          const token = kind === 'secret' ? await mintToken(RELAY_SECRET, { room: '*', ttl: 3600 }) : undefined;
          return { url: node.url, token };
        });
      }
      if (command === 'closed-port') return `ws://127.0.0.1:${await closedPort()}/signal`;
      if (command !== 'cdp') return undefined;
      const { method, params } = /** @type {{ method: string, params?: object }} */ (payload);
      if (typeof method !== 'string') throw new Error('cdp needs { method, params? }');
      let cdp = cdpSessions.get(session.id);
      if (!cdp) {
        const browser = /** @type {any} */ (session.browser);
        if (typeof browser.getPage !== 'function' || browser.getPage(session.id).browser().protocol !== 'cdp')
          throw new Error(`cdp needs Chromium: the Chrome DevTools Protocol is not available in ${browser.name}`);
        cdp = /** @type {Promise<import('puppeteer-core').CDPSession>} */ (
          browser.getPage(session.id).createCDPSession()
        );
        cdpSessions.set(session.id, cdp);
      }
      const client = /** @type {any} */ (await cdp);
      return client.send(method, params ?? {});
    },
  };
}
