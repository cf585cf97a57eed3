// A @web/test-runner plugin that gives browser tests a real rtc-relay and the Chrome DevTools Protocol.
//
// Server commands, called from a test with `executeServerCommand(name, payload)` from @web/test-runner-commands:
// - `relay-url`: the relay's WebSocket URL, e.g. ws://127.0.0.1:40123/signal.
// - `relay-stop`: closes the relay (every socket drops); `relay-start` starts it again on the same port.
// - `cdp` `{ method, params }`: sends one CDP command on the test's own page and returns its result,
//   e.g. `{ method: 'Network.emulateNetworkConditions', params: { latency: 150, ... } }`.
import { Relay } from '../dist/lib/server/index.js';

/** @returns {import('@web/test-runner').TestRunnerPlugin} */
export function relayPlugin() {
  /** @type {Relay | undefined} */
  let relay;
  let url = '';
  let port = 0;
  const start = async () => {
    relay = new Relay({ port, logLevel: process.env.RTC_RELAY_LOG_LEVEL ?? 'warn' });
    port = (await relay.listen()).port;
    url = `ws://127.0.0.1:${port}/signal`;
  };
  /** @type {Map<string, Promise<import('puppeteer-core').CDPSession>>} */
  const cdpSessions = new Map();

  return {
    name: 'rtc-relay',
    serverStart: start,
    async serverStop() {
      await relay?.close();
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
