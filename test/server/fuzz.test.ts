/**
 * Property-based attacks on the relay with fast-check: the frame parser on its own, a live relay fed random and
 * adversarial frames over real sockets, and random request lines and headers on the HTTP/upgrade path.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { mintToken } from '../../server/index.js';
import { ERROR_CODES, exceedsDepth, MAX_DEPTH, parseClientMessage } from '../../src/signaling/protocol.js';
import { startRelay, stillServes, TestClient } from './helpers.js';

/** Objects and arrays nested `depth` deep, alternating, around a scalar. */
const nested = (depth: number, leaf = '1'): string => {
  let text = leaf;
  for (let i = 0; i < depth; i++) text = i % 2 ? `[${text}]` : `{"k":${text}}`;
  return text;
};

/** Frames a hostile client might send: random text, JSON, near-valid messages, deep, huge and odd Unicode. */
const frames = (peer: () => string) =>
  fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json(),
    fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'),
    fc
      .record({
        type: fc.constantFrom('join', 'signal', 'leave', 'ping', 'welcome', '__proto__', 'constructor'),
        room: fc.oneof(fc.string(), fc.constantFrom('fuzz', 'fuzz-room', '__proto__'), fc.anything()),
        to: fc.oneof(fc.string(), fc.constant(peer()), fc.anything()),
        data: fc.anything(),
        meta: fc.oneof(
          fc.anything(),
          fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'name'), fc.jsonValue()),
        ),
        resume: fc.oneof(fc.string(), fc.constant('A'.repeat(24))),
      })
      .map((value) => JSON.stringify(value) ?? 'null'),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => `{"type":"signal","to":"${peer()}","data":${nested(depth)}}`),
    fc.integer({ min: 1, max: 8_000 }).map((depth) => `{"type":"join","room":"fuzz","meta":${nested(depth)}}`),
    fc
      .integer({ min: 1_000, max: 100_000 })
      .map((size) => JSON.stringify({ type: 'signal', to: peer(), data: 'x'.repeat(size) })),
    fc.constantFrom('{"type":"signal","to":"\ud800","data":"\udfff"}', '\u0000', '{"type":"ping"}\u0000', '"\\ud800"'),
  );

describe('#fuzz-parser', () => {
  it('parseClientMessage never throws and classifies every input', () => {
    fc.assert(
      fc.property(
        frames(() => 'peer'),
        (text) => {
          const result = parseClientMessage(text);
          if (result.ok) {
            assert.ok(['join', 'signal', 'leave', 'ping'].includes(result.message.type));
            assert.ok(!exceedsDepth(result.message, MAX_DEPTH), 'what it accepts is within the depth cap');
            assert.equal(typeof JSON.stringify(result.message), 'string', 'and can be encoded again');
          } else {
            assert.ok(result.code in ERROR_CODES, result.code);
            assert.ok(result.message.length > 0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('#fuzz-live', () => {
  it('answers every frame with one error, a delivery or a documented close, and stays up', async () => {
    const { relay, url } = await startRelay({ rateLimit: 100_000, rateBurst: 100_000 });
    const [sink] = await TestClient.join(url, 'fuzz-room');
    let offender = await TestClient.connect(url);
    // A failed property must still close the relay and clients, or the test process never exits.
    try {
      await fc.assert(
        fc.asyncProperty(
          frames(() => sink.id),
          fc.boolean(),
          async (frame, binary) => {
            // A shrinking run may follow a failed one that left the offender closed.
            if (offender.ws.readyState !== WebSocket.OPEN) offender = await TestClient.connect(url);
            offender.ws.send(binary ? Buffer.from(frame) : frame);
            if (offender.ws.readyState === WebSocket.OPEN) offender.send({ type: 'ping' });
            // A text frame that is itself a ping gets its own pong first.
            const parsed = binary ? undefined : parseClientMessage(frame);
            let pongs = parsed?.ok && parsed.message.type === 'ping' ? 2 : 1;
            const answers = [];
            for (;;) {
              const message = await Promise.race([offender.next(), offender.closed.then(() => undefined)]);
              if (!message) {
                // Only a frame over maxPayload closes the socket, with 1009.
                const { code } = await offender.closed;
                assert.equal(code, 1009, `closed with ${code} after ${frame.slice(0, 80)}`);
                assert.ok(Buffer.byteLength(frame) > 64 * 1024, `closed after ${Buffer.byteLength(frame)} bytes`);
                return;
              }
              if (message.type === 'pong' && --pongs === 0) break;
              if (message.type === 'pong') continue;
              answers.push(message);
            }
            assert.ok(answers.length <= 1, `one frame, one answer at most: ${JSON.stringify(answers)}`);
            const [answer] = answers;
            if (answer?.type === 'error') assert.ok(answer.code in ERROR_CODES);
            else if (answer) assert.ok(['signal', 'welcome'].includes(answer.type), JSON.stringify(answer));
            // Whatever reached the sink is a well-formed server message (TestClient throws otherwise); drop it.
            while (sink.pending.length > 0) await sink.next();
            if (answer?.type === 'welcome') offender.send({ type: 'leave' });
          },
        ),
        { numRuns: 400 },
      );
      await stillServes(url);
      await sink.roundTrip();
    } finally {
      for (const client of [sink, offender]) client.close();
      await relay.close();
    }
  });
});

/** Sends raw bytes and resolves with whatever came back before the relay closed, or after `settle` ms. */
function poke(port: number, bytes: string, settle = 300): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    const timer = setTimeout(done, settle);
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n\r\n')) done();
    });
    socket.on('close', done);
    socket.write(bytes);
  });
}

describe('#fuzz-http', () => {
  it('survives random request lines and headers, and leaks no per-IP slot', async () => {
    const cap = 5;
    const secret = 'fuzz-test-secret-that-is-32-characters-or-more';
    const { relay, port, url } = await startRelay({
      maxConnectionsPerIp: cap,
      secret,
      allowOrigins: ['https://*.example.com'],
      metricsToken: 'm',
    });
    const token = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('GET', 'POST', 'OPTIONS', 'HEAD', 'PRI'));
    const target = fc.oneof(
      fc.string(),
      fc.constantFrom('//', '//[', '/signal', '/signal?token=', '/signal?%74oken=x', '/healthz', '/metrics', '*'),
      fc.constantFrom('/dist/../lib/server/relay.js', '/%', '/%00', '/dist/rtc-kit.js', 'http://x/signal', '/..%2f..'),
    );
    const header = fc.tuple(
      fc.oneof(
        fc.string({ maxLength: 20 }),
        fc.constantFrom('Upgrade', 'Connection', 'Sec-WebSocket-Key', 'Sec-WebSocket-Version', 'Origin'),
        fc.constantFrom('X-Forwarded-For', 'Content-Length', 'Transfer-Encoding', 'Authorization', 'Host'),
      ),
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('websocket', 'Upgrade', '13', 'dGhlIHNhbXBsZSBub25jZQ==', 'https://a.example.com', '-1'),
      ),
    );
    const clients: TestClient[] = [];
    try {
      await fc.assert(
        fc.asyncProperty(token, target, fc.array(header, { maxLength: 8 }), async (method, path, headers) => {
          const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
          await poke(port, `${method} ${path} HTTP/1.1\r\n${lines}\r\n`);
        }),
        { numRuns: 300 },
      );
      // Still up, and every slot of this address came back: `cap` clients connect (each attempt an event).
      const jwt = await mintToken(secret, { room: '*', ttl: 60 });
      await stillServes(url, { secret, origin: 'https://a.example.com' });
      for (let attempt = 0; clients.length < cap && attempt < 200; attempt++) {
        const client = await TestClient.connect(`${url}?token=${jwt}`, { origin: 'https://a.example.com' }).catch(
          () => undefined,
        );
        if (client) clients.push(client);
      }
      assert.equal(clients.length, cap);
    } finally {
      for (const client of clients) client.close();
      await relay.close();
    }
  });
});
