/**
 * The load generator: many `ws` clients joined in rooms, and a closed-loop signal load among room mates that
 * measures delivered messages per second and one-way latency on the generator's own clock.
 *
 * @module
 */
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import WebSocket from 'ws';

/**
 * The opaque payload every signal carries besides its timestamp and sequence: a typical trickled ICE candidate,
 * the signal a call sends most of.
 */
const CANDIDATE =
  'candidate:842163049 1 udp 1677729535 203.0.113.7 46154 typ srflx raddr 10.0.0.2 rport 46154 generation 0 ufrag EsAw network-cost 999';

/** How both relays begin a forwarded signal: `{"type":"signal","from":"…",…`. */
const SIGNAL_PREFIX = '{"type":"signal","from":"';
/** What follows the sender's id in a forwarded signal, up to the sequence number. */
const SIGNAL_BODY = `","data":{"candidate":"${CANDIDATE}","n":`;

/** What a client reads of a server frame. */
interface Frame {
  type?: unknown;
  peer?: unknown;
  from?: unknown;
  data?: { candidate?: unknown; t?: unknown; n?: unknown };
  code?: unknown;
}

/** Called for each signal a client receives: who sent it, its send time and its sequence number. */
type SignalHandler = (receiver: BenchClient, from: string, sentAt: number, seq: number) => void;

/** One WebSocket client of the benchmark: connects, joins a room, then sends and receives signals. */
export class BenchClient {
  /** Peer id the relay gave this client. */
  id = '';
  /** The other members of its room, once every client has joined. */
  mates: BenchClient[] = [];
  /** Set by the load: receives this client's signals. */
  onSignal?: SignalHandler;
  /** Set by the load: any error frame, unexpected close or socket error. */
  onFailure?: (reason: string) => void;
  readonly ws: WebSocket;
  /** Next sequence number this client expects from each sender, by sender id. */
  readonly expected = new Map<string, number>();
  /** Next sequence number to send to each mate, by mate index. */
  #sent: number[] = [];
  /** `{"type":"signal","to":"…","data":{…,"n":` for each mate: the fixed part of each frame. */
  #prefixes: string[] = [];
  #nextMate = 0;
  #closing = false;

  private constructor(ws: WebSocket) {
    this.ws = ws;
  }

  /** Connects to `url` and joins `room`; resolves once welcomed. */
  static async join(url: string, room: string): Promise<BenchClient> {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      // An all-zero masking key lets `ws` skip masking: it spares the load generator the XOR of every frame it
      // sends. The relays under test still unmask each frame as usual.
      generateMask: (mask) => mask.fill(0),
    });
    const client = new BenchClient(ws);
    const welcomed = new Promise<void>((resolve, reject) => {
      // binaryType is the default 'nodebuffer', so each frame arrives as one Buffer.
      ws.on('message', (raw: Buffer) => {
        const text = raw.toString();
        if (client.#readSignal(text)) return;
        const frame = JSON.parse(text) as Frame;
        if (frame.type === 'signal') {
          const { from, data } = frame;
          if (
            typeof from !== 'string' ||
            data?.candidate !== CANDIDATE ||
            typeof data.t !== 'number' ||
            typeof data.n !== 'number'
          )
            return client.onFailure?.(`malformed signal ${text}`);
          client.onSignal?.(client, from, data.t, data.n);
        } else if (frame.type === 'welcome' && typeof frame.peer === 'string') {
          client.id = frame.peer;
          resolve();
        } else if (frame.type === 'error') {
          const reason = `relay error ${String(frame.code)}`;
          reject(new Error(reason));
          client.onFailure?.(reason);
        }
      });
      ws.on('error', (error) => {
        reject(error);
        client.onFailure?.(`socket error: ${error.message}`);
      });
      ws.on('close', (code) => {
        reject(new Error(`closed before welcome (${code})`));
        if (!client.#closing) client.onFailure?.(`connection closed by the relay (${code})`);
      });
    });
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'join', room }));
    await welcomed;
    return client;
  }

  /**
   * The hot path: reads a signal in the form both relays forward this generator's frames,
   * `{"type":"signal","from":"…","data":{"candidate":"…","n":N,"t":T}}`, checking the payload arrived intact,
   * without a full `JSON.parse`: the generator needs every bit of its core to keep up with the relay. `false`
   * for any other frame, which then goes through `JSON.parse`.
   */
  #readSignal(text: string): boolean {
    if (!text.startsWith(SIGNAL_PREFIX) || !text.endsWith('}}')) return false;
    const fromEnd = text.indexOf('"', SIGNAL_PREFIX.length);
    if (fromEnd < 0 || !text.startsWith(SIGNAL_BODY, fromEnd)) return false;
    const seqAt = fromEnd + SIGNAL_BODY.length;
    const tAt = text.indexOf(',"t":', seqAt);
    if (tAt < 0) return false;
    const seq = Number(text.slice(seqAt, tAt));
    const sentAt = Number(text.slice(tAt + 5, -2));
    if (!Number.isInteger(seq) || !Number.isFinite(sentAt)) return false;
    this.onSignal?.(this, text.slice(SIGNAL_PREFIX.length, fromEnd), sentAt, seq);
    return true;
  }

  /** Records the room mates and precomputes the fixed part of each frame to them. */
  setMates(mates: BenchClient[]): void {
    this.mates = mates;
    this.#sent = mates.map(() => 0);
    this.#prefixes = mates.map((m) => `{"type":"signal","to":"${m.id}","data":{"candidate":"${CANDIDATE}","n":`);
  }

  /** Sends one signal to the next mate in turn, stamped with `now` and the pair's next sequence number. */
  sendNext(now: number): void {
    const mate = this.#nextMate;
    this.#nextMate = (mate + 1) % this.mates.length;
    const seq = this.#sent[mate]!;
    this.#sent[mate] = seq + 1;
    this.ws.send(this.#prefixes[mate]! + seq + ',"t":' + now + '}}');
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.#closing = true;
    this.ws.terminate();
  }
}

/** Splits `count` clients into rooms of at most `perRoom`: the size of each room. */
export function roomSizes(count: number, perRoom: number): number[] {
  const sizes: number[] = [];
  for (let left = count; left > 0; left -= perRoom) sizes.push(Math.min(perRoom, left));
  return sizes;
}

/**
 * Connects `count` clients to `url` in rooms of at most `perRoom` (named `${prefix}-N`), at most `concurrency`
 * connecting at once so the relay's accept backlog never overflows. Resolves with the rooms once every client
 * has been welcomed, each client knowing its mates.
 */
export async function connectRooms(
  url: string | readonly string[],
  count: number,
  perRoom: number,
  prefix: string,
  concurrency = 200,
): Promise<BenchClient[][]> {
  // Several URLs (relay nodes sharing rooms): each room's members take them in turn, so rooms span the nodes.
  const urls = typeof url === 'string' ? [url] : url;
  const jobs = roomSizes(count, perRoom).flatMap((size, room) =>
    Array.from({ length: size }, (_, i) => ({ room, name: `${prefix}-${room}`, url: urls[i % urls.length]! })),
  );
  const rooms: BenchClient[][] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      const client = await BenchClient.join(job.url, job.name);
      (rooms[job.room] ??= []).push(client);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  for (const members of rooms) for (const client of members) client.setMates(members.filter((m) => m !== client));
  return rooms;
}

/** How {@link runClosedLoop} loads the relay. */
export interface LoadOptions {
  /** Signals in flight at any time, all clients together. */
  inflight: number;
  /** Load before measuring, ms: lets the JITs and socket buffers settle. */
  warmupMs: number;
  /** The measured window, ms. */
  durationMs: number;
  /** Most time to wait for the in-flight signals after the load stops, ms; what is left then is lost. */
  drainTimeoutMs: number;
  /** Called as the measured window opens and closes, under load (to sample the relay's CPU time, say). */
  onWindow?: (edge: 'start' | 'end') => Promise<void>;
}

/** What {@link runClosedLoop} measured. */
export interface LoadResult {
  /** Signals delivered during the measured window. */
  delivered: number;
  /** Length of the measured window, ms. */
  windowMs: number;
  /** Send→delivery time of each signal delivered in the window, ms, in delivery order. */
  latencies: Float64Array;
  /** The load generator's CPU time over the window, as a fraction of one core. */
  generatorCpu: number;
  /** Everything that went wrong: lost, misrouted or reordered signals, errors, closed connections. */
  failures: string[];
}

/**
 * Closed-loop load: `inflight` signals start spread evenly over the clients; whenever a client receives one, it
 * sends the next to its next room mate in turn, so the number in flight stays fixed and every client sends and
 * receives steadily. Each signal carries its send time on the generator's `performance.now()` clock and a
 * per-pair sequence number, checked on delivery. Once the window closes, the load stops and every signal in
 * flight must arrive: what does not within `drainTimeoutMs` is reported lost.
 *
 * Runs can follow one another on the same clients: sequence numbers carry on.
 */
export async function runClosedLoop(rooms: BenchClient[][], options: LoadOptions): Promise<LoadResult> {
  const clients = rooms.flat();
  const byId = new Map(clients.map((c) => [c.id, c]));
  const failures: string[] = [];
  const fail = (reason: string): void => {
    if (failures.length < 20) failures.push(reason);
  };
  const latencies: number[] = [];
  let running = true;
  let measuring = false;
  let delivered = 0;
  let totalSent = 0;
  let totalDelivered = 0;
  let drained: (() => void) | undefined;

  const onSignal: SignalHandler = (receiver, from, sentAt, seq) => {
    const now = performance.now();
    totalDelivered++;
    const sender = byId.get(from);
    if (!sender || !receiver.mates.includes(sender))
      return fail(`signal from ${from}, not a room mate of ${receiver.id}`);
    const expected = receiver.expected.get(from) ?? 0;
    if (seq !== expected) fail(`${from}→${receiver.id}: got #${seq}, expected #${expected}`);
    receiver.expected.set(from, seq + 1);
    if (measuring) {
      delivered++;
      latencies.push(now - sentAt);
    }
    if (running) {
      receiver.sendNext(now);
      totalSent++;
    } else if (totalDelivered === totalSent) drained?.();
  };
  for (const client of clients) {
    client.onSignal = onSignal;
    client.onFailure = fail;
  }

  const start = performance.now();
  for (let i = 0; i < options.inflight; i++) {
    clients[Math.floor((i * clients.length) / options.inflight)]!.sendNext(start);
    totalSent++;
  }
  await delay(options.warmupMs);

  await options.onWindow?.('start');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  measuring = true;
  await delay(options.durationMs);
  measuring = false;
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  // The load keeps running while the relay samples its CPU time, so its window sees the same steady load.
  await options.onWindow?.('end');
  running = false;

  if (totalDelivered < totalSent)
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.drainTimeoutMs);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  if (totalDelivered !== totalSent)
    fail(`${totalSent - totalDelivered} of ${totalSent} signals not delivered within ${options.drainTimeoutMs} ms`);

  return {
    delivered,
    windowMs: t1 - t0,
    latencies: Float64Array.from(latencies),
    generatorCpu: (cpu.user + cpu.system) / 1000 / (t1 - t0),
    failures,
  };
}

/** The `q` quantile (0–1) of ascending `sorted` values, nearest rank; `NaN` when empty. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
