// A @web/test-runner plugin that gives browser tests a real rtc-relay and the Chrome DevTools Protocol.
//
// Server commands, called from a test with `executeServerCommand(name, payload)` from @web/test-runner-commands:
// - `relay-url`: the relay's WebSocket URL, e.g. ws://127.0.0.1:40123/signal.
// - `cdp` `{ method, params }`: sends one CDP command on the test's own page and returns its result,
//   e.g. `{ method: 'Network.emulateNetworkConditions', params: { latency: 150, ... } }`.
import { Relay } from '../dist/lib/server/index.js';

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function relayPlugin() {
  /** @type {Relay | undefined} */
  let relay;
  let url = '';
  /** @type {Map<string, Promise<import('puppeteer-core').CDPSession>>} */
  const cdpSessions = new Map();

  return {
    name: 'rtc-relay',
    async serverStart() {
      relay = new Relay({ port: 0, logLevel: process.env.RTC_RELAY_LOG_LEVEL ?? 'warn' });
      const { port } = await relay.listen();
      url = `ws://127.0.0.1:${port}/signal`;
    },
    async serverStop() {
      await relay?.close();
    },
    async executeCommand({ command, payload, session }) {
      if (command === 'relay-url') return url;
      if (command !== 'cdp') return undefined;
      const { method, params } = /** @type {{ method: string, params?: object }} */ (payload);
      if (typeof method !== 'string') throw new Error('cdp needs { method, params? }');
      let cdp = cdpSessions.get(session.id);
      if (!cdp) {
        const browser = /** @type {any} */ (session.browser);
        if (typeof browser.getPage !== 'function') throw new Error('cdp needs a Chromium launcher');
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
