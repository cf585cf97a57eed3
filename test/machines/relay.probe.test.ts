import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createActor, toPromise } from 'xstate';
import {
  displayUrl,
  probeUrl,
  relayProbeActor,
  relayProblem,
  type RelayProblem,
} from '../../src/machines/relay.probe.js';
import { startRelay } from '../server/helpers.js';

const SECRET = 'relay-probe-test-secret-of-32-characters-or-more';

/** What the probe actor finds about the signaling URL `url`. */
const probe = (url: string): Promise<RelayProblem> =>
  toPromise(createActor(relayProbeActor, { input: { url } }).start());

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** An HTTP server that is not a relay: 502 in plain text for everything. */
async function notARelay(): Promise<{ server: Server; port: number }> {
  const server = createServer((_, res) => res.writeHead(502, { 'content-type': 'text/plain' }).end('nope'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

describe('relay probe', () => {
  it('asks the same host, path and query over HTTP(S)', () => {
    assert.equal(probeUrl('ws://localhost:8787/signal'), 'http://localhost:8787/signal');
    assert.equal(probeUrl('wss://relay.example/signal?token=a.b.c#x'), 'https://relay.example/signal?token=a.b.c');
    assert.equal(probeUrl('http://relay.example/signal'), undefined);
    assert.equal(probeUrl('not a url'), undefined);
    assert.equal(displayUrl('wss://relay.example/signal?token=secret.jwt'), 'wss://relay.example/signal?token=…');
  });

  it('maps every refusal the relay explains to its own code, with what to do', () => {
    const url = 'ws://relay.example/signal';
    const cases = [
      ['not-found', 404, 'relay-not-found', /has no signaling at that path.*\/signal/],
      ['unauthorized', 401, 'relay-unauthorized', /needs a valid token.*token attribute/],
      [
        'origin-refused',
        403,
        'relay-origin-refused',
        /does not accept pages from https:\/\/app\.example.*--allow-origin/,
      ],
      ['too-many-connections', 429, 'relay-too-many-connections', /too many connections from your address/],
      ['unavailable', 503, 'relay-unavailable', /busy or shutting down/],
      ['bad-request', 400, 'relay-bad-request', /could not read the address/],
    ] as const;
    for (const [code, status, expected, words] of cases) {
      const problem = relayProblem(
        { kind: 'json', status, body: { ok: false, code, message: 'The relay says so.' } },
        url,
        'https://app.example',
      );
      assert.equal(problem.code, expected);
      assert.ok(problem.summary.includes(url), problem.summary);
      assert.match(problem.message, words);
      assert.ok(problem.message.includes(`(${status}: The relay says so.)`), problem.message);
    }
    const unknown = relayProblem({ kind: 'json', status: 418, body: { ok: false, code: 'teapot' } }, url);
    assert.equal(unknown.code, 'relay-refused');
    assert.equal(relayProblem({ kind: 'json', status: 200, body: 'text' }, url).code, 'relay-refused');
    assert.match(relayProblem({ kind: 'other', status: 502 }, url).message, /HTTP 502.*not look like an rtc-relay/);
    // A plain 404 (the relay's answer to any other path, or another server's) is a wrong path too.
    assert.equal(relayProblem({ kind: 'other', status: 404 }, url).code, 'relay-not-found');
    assert.equal(relayProblem({ kind: 'opaque' }, url).code, 'relay-refused');
    assert.match(relayProblem({ kind: 'json', status: 200, body: { ok: true } }, url).message, /proxy/);
  });

  it('finds out, from a real relay or its absence: unreachable, not found, unauthorized, not a relay', async () => {
    const port = await closedPort();
    const unreachable = await probe(`ws://127.0.0.1:${port}/signal`);
    assert.equal(unreachable.code, 'relay-unreachable');
    assert.equal(unreachable.summary, `Can't reach the relay at ws://127.0.0.1:${port}/signal`);

    const { relay, url, port: relayPort } = await startRelay({ secret: SECRET });
    const typo = await probe(`ws://127.0.0.1:${relayPort}/signl?token=x`);
    assert.equal(typo.code, 'relay-not-found');
    assert.equal(
      typo.message,
      `The relay at ws://127.0.0.1:${relayPort}/signl?token=… has no signaling at that path. An rtc-relay answers at ws://127.0.0.1:${relayPort}/signal?token=…: use that address.`,
    );
    const refused = await probe(url);
    assert.equal(refused.code, 'relay-unauthorized');
    assert.match(refused.message, /\(401: This relay needs a valid token/);
    assert.equal((await probe(`${url}?token=forged`)).code, 'relay-unauthorized');
    await relay.close();

    const other = await notARelay();
    const notRelay = await probe(`ws://127.0.0.1:${other.port}/signal`);
    assert.equal(notRelay.code, 'relay-refused');
    assert.match(notRelay.message, /HTTP 502/);
    other.server.close();

    assert.equal((await probe('ftp://relay.example/signal')).code, 'relay-unreachable');
  });
});
