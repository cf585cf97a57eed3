import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { pino, type Logger } from 'pino';
import WebSocket from 'ws';
import { mintToken, Relay, type RelayOptions } from '../../server/index.js';
import { parseServerMessage, type ServerMessage, type WelcomeMessage } from '../../src/signaling/protocol.js';

/** Starts a silent relay on a free port. */
export async function startRelay(options: Partial<RelayOptions> = {}): Promise<{
  relay: Relay;
  url: string;
  http: string;
  port: number;
}> {
  const relay = new Relay({ port: 0, logLevel: 'silent', ...options });
  const { port } = await relay.listen();
  return { relay, url: `ws://127.0.0.1:${port}/signal`, http: `http://127.0.0.1:${port}`, port };
}

/** A WebSocket upgrade request for `target`, as raw HTTP; `headers` replace or add to the usual ones. */
export function upgradeRequest(target: string, headers: Record<string, string> = {}): string {
  const all = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  return `GET ${target} HTTP/1.1\r\n${Object.entries(all)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
}

/**
 * Sends raw bytes to the relay over TCP and resolves with what came back: once a response head has arrived, or
 * (with `waitForClose`, or after a `halfClose`) once the relay closed the socket. Bounded as a safety net only.
 */
export function rawRequest(
  port: number,
  text: string | Buffer,
  { halfClose = false, waitForClose = false } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from the relay; got ${JSON.stringify(received)}`));
    }, 10_000);
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!waitForClose && !halfClose && received.includes('\r\n\r\n')) done();
    });
    socket.on('close', done);
    socket.write(text, () => {
      if (halfClose) socket.end();
    });
  });
}

/** The relay still answers: `/healthz` is 200 and a new client joins a room and gets a pong. */
export async function stillServes(
  url: string,
  { secret, origin }: { secret?: string; origin?: string } = {},
): Promise<void> {
  const health = await fetch(url.replace(/^ws/, 'http').replace(/\/signal.*$/, '/healthz'));
  assert.equal(health.status, 200);
  const token = secret ? `?token=${await mintToken(secret, { room: '*', ttl: 60 })}` : '';
  const client = await TestClient.connect(`${url}${token}`, origin ? { origin } : {});
  await client.join(`alive-${Math.random().toString(36).slice(2)}`);
  await client.roundTrip();
  // Leave first: a session that just drops is held for resume, and a held session keeps its address's slot.
  client.send({ type: 'leave' });
  await client.roundTrip();
  client.close();
}

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

/**
 * A real `ws` client that queues every server message, so a test can await them in order. Waits are bounded
 * only as a safety net: a test never sleeps, it waits for the message it expects.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  id = '';
  readonly #queue: ServerMessage[] = [];
  #waiter?: () => void;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('error', () => {});
    ws.on('message', (data) => {
      const message = parseServerMessage(data.toString());
      if (!message) throw new Error(`relay sent a malformed frame: ${data.toString()}`);
      this.#queue.push(message);
      this.#waiter?.();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    await once(ws, 'open');
    return client;
  }

  /** Connects and joins `room`; resolves with the welcome. */
  static async join(url: string, room: string, meta?: Record<string, string>): Promise<[TestClient, WelcomeMessage]> {
    const client = await TestClient.connect(url);
    return [client, await client.join(room, meta)];
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  async join(room: string, meta?: Record<string, string>): Promise<WelcomeMessage> {
    this.send(meta ? { type: 'join', room, meta } : { type: 'join', room });
    const welcome = await this.expect('welcome');
    this.id = welcome.peer;
    return welcome;
  }

  /** The next message, whatever its type. */
  async next(timeout = 5000): Promise<ServerMessage> {
    const deadline = Date.now() + timeout;
    while (this.#queue.length === 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out waiting for a message from the relay');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiter = undefined;
    }
    return this.#queue.shift()!;
  }

  /** The next message, which must be of `type`. */
  async expect<T extends ServerMessage['type']>(type: T): Promise<MessageOf<T>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
    return message as MessageOf<T>;
  }

  /** Round-trips a ping: proves the connection is still usable and that nothing else is queued before it. */
  async roundTrip(): Promise<void> {
    this.send({ type: 'ping' });
    await this.expect('pong');
  }

  /** Messages received and not yet read. */
  get pending(): readonly ServerMessage[] {
    return this.#queue;
  }

  close(): void {
    this.ws.close();
  }
}

/** A pino logger that keeps its lines, and lets a test wait for one: relay-side moments are events, not sleeps. */
export function logWatcher(): {
  logger: Logger;
  lines: Record<string, unknown>[];
  waitFor(msg: string, match?: Record<string, unknown>): Promise<Record<string, unknown>>;
} {
  const lines: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        lines.push(JSON.parse(line) as Record<string, unknown>);
        for (const waiter of waiters.splice(0)) waiter();
      },
    },
  );
  const find = (msg: string, match: Record<string, unknown>) =>
    lines.find((l) => l.msg === msg && Object.entries(match).every(([k, v]) => l[k] === v));
  return {
    logger,
    lines,
    async waitFor(msg, match = {}) {
      const deadline = Date.now() + 5000; // A safety net only: the wait ends on the log line.
      for (;;) {
        const line = find(msg, match);
        if (line) return line;
        if (Date.now() > deadline) throw new Error(`timed out waiting for log line "${msg}"`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now() + 1);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}
