import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  CLOSE_CODES,
  parseClientMessage,
  type ErrorCode,
  type Json,
  type JoinMessage,
  type PeerInfo,
  type PeerMeta,
  type ServerMessage,
  type SignalMessage,
} from '../src/signaling/protocol.js';
import {
  originAllowed,
  PROBE_CODES,
  redactUrl,
  refusalResponse,
  REFUSALS,
  requestUrl,
  type Refusal,
} from './admission.js';
import { verifyToken, type TokenClaims } from './auth.js';
import { MemoryBackplane, type Backplane, type BackplaneJoin } from './backplane.js';
import { RelayMetrics } from './metrics.js';
import { resolveOptions, type RelayOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';
import { findKitBuild, traceViewer } from './inspect.js';
import { fileServer, kitFiles, packageKitDir, type Handler } from './static.js';
import { iceServersFor } from './turn.js';

/** Path that takes WebSocket signaling. */
export const SIGNAL_PATH = '/signal';

/** One WebSocket connection; a peer once it has joined. */
interface Connection {
  /** The peer id this connection gets if it joins without resuming. */
  readonly id: string;
  readonly ws: WebSocket;
  readonly address: string;
  readonly bucket: TokenBucket;
  /** What its token grants; undefined when the relay has no secret. */
  readonly claims?: TokenClaims;
  /** Rate-limited messages in the current one-second window, and when it began. */
  limited: { since: number; dropped: number };
  /** Cleared by each heartbeat, set again by the pong. */
  alive: boolean;
  /** Called with `true` at the next pong, or `false` if the socket closes first: liveness probes waiting. */
  pongWaiters: ((alive: boolean) => void)[];
  /** Closes the connection if it is not in a room by then (after connecting or a leave). */
  joinTimer?: NodeJS.Timeout;
  /** Set once the relay decided to close it: its frames are dropped unread from then on. */
  closing: boolean;
  /** The session it carries, once joined. */
  peer?: Peer;
  /** Set when the relay cut it off for a limit: its session ends at once instead of waiting for a resume. */
  kicked: boolean;
  /** Frames that arrived while an earlier one was still being handled (a join waiting on the backplane). */
  inbox?: [RawData, boolean][];
}

/** A peer: a session in one room, carried by a connection, or held for a while after the socket dropped. */
interface Peer {
  readonly id: string;
  readonly room: string;
  readonly meta: PeerMeta;
  /** The `sub` of the token it joined with, which a resume must present too. */
  readonly sub?: string;
  /** The client address of its latest connection, for the logs. */
  address: string;
  /** The token that resumes it; rotated at each welcome. */
  resume?: string;
  connection?: Connection;
  /** Set while held: the grace timer, and what arrived for it meanwhile (and its size in bytes). */
  held?: { timer: NodeJS.Timeout; buffer: { type: ServerMessage['type']; text: string }[]; bytes: number };
}

/** Counts `GET /healthz` reports. */
export interface RelayHealth {
  /** False while shutting down or while the backplane is down: `/healthz` then answers 503. */
  ok: boolean;
  rooms: number;
  peers: number;
  /** With a backplane that reports its health (Redis): whether it can carry joins and signals now. */
  backplane?: 'up' | 'down';
}

/** The verdict on a request for a signaling socket: what its token grants, or why it is refused. */
type Verdict = { ok: true; claims?: TokenClaims } | { ok: false; refusal: Refusal; detail?: string };

/** Longest wait for a pong when a resume would take over a session whose socket still looks open. */
const LIVENESS_PROBE_MS = 2000;

/** Ms a connection the relay closes may take to finish the closing handshake before it is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * The rtc-kit signaling relay: rooms, targeted routing, limits, heartbeats, tokens and session resume over
 * WebSocket, plus static files, a health check and Prometheus metrics over HTTP. Alone by default; with
 * `redisUrl`, one of many nodes sharing rooms through Redis.
 *
 * @example
 * const relay = new Relay({ port: 0, logLevel: 'silent' });
 * const { port } = await relay.listen();
 * // ws://127.0.0.1:${port}/signal
 * await relay.close();
 */
export class Relay {
  /** The options in force: yours merged over the defaults. */
  readonly options: RelayOptions;
  /** The relay's HTTP server. */
  readonly server: Server;
  /** Its Prometheus metrics, served at `GET /metrics`. */
  readonly metrics: RelayMetrics;
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  #backplane: Backplane;
  /** Peers on this node, by room, in join order. */
  readonly #rooms = new Map<string, Map<string, Peer>>();
  /** Peers by resume token. */
  readonly #resumable = new Map<string, Peer>();
  readonly #connections = new Set<Connection>();
  /** Open sockets (upgrades in progress and connections) and held sessions, by client address. */
  readonly #perAddress = new Map<string, number>();
  /** Upgrades waiting on a token check. */
  #pending = 0;
  readonly #static: Handler[] = [];
  #heartbeat?: NodeJS.Timeout;
  #closing = false;

  /** @throws {RelayOptionsError} when an option is out of range or contradicts another. */
  constructor(options: Partial<RelayOptions> = {}) {
    this.options = resolveOptions(options);
    this.#log = this.options.logger ?? pino({ level: this.options.logLevel, base: { name: 'rtc-relay' } });
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.options.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    // Redis is loaded in listen(), and only with redisUrl: a lone relay never loads ioredis.
    this.#backplane = this.options.backplane ?? new MemoryBackplane();
    this.metrics = new RelayMetrics({
      connections: () => this.#connections.size,
      rooms: () => this.#rooms.size,
      peers: () => this.health().peers,
      held: () => {
        let held = 0;
        for (const room of this.#rooms.values()) for (const peer of room.values()) if (peer.held) held++;
        return held;
      },
    });
    if (this.options.static) this.#static.push(fileServer(this.options.static));
    // The kit's browser build at /dist/, for an embedded relay as for the rtc-relay command.
    const kitDir = this.options.kitDir || packageKitDir();
    if (kitDir) this.#static.push(kitFiles(kitDir));
    if (this.options.inspect) this.#static.unshift(traceViewer(findKitBuild(kitDir)));
    this.server = createServer(
      {
        // Slow or half-sent requests (upgrades included) are cut off after headerTimeout, checked every second.
        headersTimeout: this.options.headerTimeout,
        requestTimeout: Math.max(this.options.headerTimeout, 30_000),
        connectionsCheckingInterval: Math.min(1000, this.options.headerTimeout),
      },
      (req, res) =>
        this.#guard(
          'request',
          () => this.#onRequest(req, res),
          () => internalError(res),
        ),
    );
    this.server.maxConnections = this.options.maxConnections;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#guard(
        'upgrade',
        () => this.#onUpgrade(req, socket, head),
        () => socket.destroy(),
      ),
    );
  }

  /** Starts the backplane, then listens. Resolves with the bound address once ready. */
  async listen(): Promise<AddressInfo> {
    if (this.options.redisUrl && !this.options.backplane) {
      const { RedisBackplane } = await import('./redis-backplane.js');
      this.#backplane = new RedisBackplane({
        url: this.options.redisUrl,
        ttl: this.options.redisTtl,
        startTimeout: this.options.redisStartTimeout,
        log: this.#log,
      });
    }
    await this.#backplane.start({
      joined: (room, peer) => this.#broadcast(room, undefined, { type: 'peer-joined', peer }),
      left: (room, id) => this.#broadcast(room, undefined, { type: 'peer-left', peer: id }),
      signal: (room, from, to, data) => {
        const target = this.#rooms.get(room)?.get(to);
        if (target) this.#deliverSignal(target, from, data);
      },
    });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        this.#heartbeat = setInterval(() => this.#beat(), this.options.heartbeatInterval);
        const address = this.server.address() as AddressInfo;
        this.#log.info(
          { port: address.port, host: address.address, redis: this.options.redisUrl ? true : undefined },
          'listening',
        );
        resolve(address);
      });
    });
  }

  /** Room and peer counts on this node, as `GET /healthz` reports them. */
  health(): RelayHealth {
    let peers = 0;
    for (const room of this.#rooms.values()) peers += room.size;
    const health: RelayHealth = { ok: !this.#closing, rooms: this.#rooms.size, peers };
    if (this.#backplane.healthy) {
      health.backplane = this.#backplane.healthy() ? 'up' : 'down';
      // A load balancer drains a node that cannot reach the rest of its rooms.
      if (health.backplane === 'down') health.ok = false;
    }
    return health;
  }

  /**
   * Stops accepting connections, closes every socket with 1001 (going away), tells the other nodes its peers
   * left, and resolves once the HTTP server and the backplane have closed.
   */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#heartbeat);
    for (const connection of this.#connections) connection.ws.close(CLOSE_CODES.goingAway, 'relay shutting down');
    // Held sessions cannot be resumed here any more: end them now rather than at their grace timers.
    for (const room of [...this.#rooms.values()]) for (const peer of [...room.values()]) this.#leave(peer, 'shutdown');
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Sockets that do not finish the closing handshake must not hold shutdown up.
      setTimeout(() => {
        for (const connection of this.#connections) connection.ws.terminate();
        this.server.closeAllConnections();
      }, 1000).unref();
    });
    await this.#backplane.close();
  }

  /**
   * Runs one handler of outside input. Whatever it throws costs that one request or frame, never the process:
   * logged, answered by `fail`, and the relay goes on.
   */
  #guard(what: string, handle: () => void, fail: () => void): void {
    try {
      handle();
    } catch (error) {
      this.#log.error({ err: error, in: what }, 'handler failed');
      try {
        fail();
      } catch {
        // Nothing more can be done for this one.
      }
    }
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = requestUrl(req.url);
    if (!url) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Bad request\n');
      return;
    }
    const path = url.pathname;
    if (path === SIGNAL_PATH && (req.method === 'GET' || req.method === 'HEAD')) return this.#probe(req, res, url);
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      const health = this.health();
      res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(health));
      return;
    }
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!this.#metricsAllowed(req)) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' });
        res.end('Unauthorized\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.metrics.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        (error: unknown) => {
          this.#log.error({ err: error }, 'metrics failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    // Readable from any origin: a client whose socket failed probes its URL, and a wrong path must say so.
    const notFound = (): void => {
      res.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' });
      res.end('Not found\n');
    };
    const handlers = this.#static;
    const next = (index: number): void => {
      const handler = handlers[index];
      if (handler) handler(req, res, () => next(index + 1));
      else notFound();
    };
    next(0);
  }

  /** Whether a `/metrics` request carries the metrics token (or none is needed). */
  #metricsAllowed(req: IncomingMessage): boolean {
    const { metricsToken } = this.options;
    if (!metricsToken) return true;
    const given = Buffer.from(req.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${metricsToken}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * `GET /signal` without an upgrade: tells a client whose WebSocket failed why, since browsers hide the status of
   * a refused handshake. The same checks as an upgrade, nothing counted or held. See docs/protocol.md.
   */
  #probe(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const answer = (verdict: Verdict): void => {
      const status = verdict.ok ? 200 : REFUSALS[verdict.refusal].status;
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        'access-control-allow-origin': '*',
      });
      res.end(
        JSON.stringify(
          verdict.ok
            ? { ok: true }
            : { ok: false, code: PROBE_CODES[verdict.refusal], message: REFUSALS[verdict.refusal].message },
        ),
      );
    };
    // A fetch from the relay's own origin carries no Origin header: only a cross-origin page is checked.
    const early = this.#screen(req, url, req.headers.origin !== undefined);
    if (early) return answer(early);
    if ((this.#perAddress.get(this.#addressOf(req)) ?? 0) >= this.options.maxConnectionsPerIp)
      return answer({ ok: false, refusal: 'ip-limit' });
    void this.#authenticate(url).then(answer, () => answer({ ok: false, refusal: 'busy' }));
  }

  /** The checks that need no count and no token: shutting down, path, origin. A refusal, or `undefined`. */
  #screen(req: IncomingMessage, url: URL, checkOrigin = true): Verdict | undefined {
    if (this.#closing) return { ok: false, refusal: 'busy', detail: 'shutting down' };
    if (url.pathname !== SIGNAL_PATH) return { ok: false, refusal: 'path' };
    if (checkOrigin && !originAllowed(this.options.allowOrigins, req.headers.origin))
      return {
        ok: false,
        refusal: 'origin',
        detail: `origin ${JSON.stringify((req.headers.origin ?? '').slice(0, 128) || null)} not allowed`,
      };
    return undefined;
  }

  /** Checks the token when the relay has a secret. Never rejects. */
  async #authenticate(url: URL): Promise<Verdict> {
    if (!this.options.secret) return { ok: true };
    const result = await verifyToken(this.options.secret, url.searchParams.get('token'));
    if (result.ok) return { ok: true, claims: result.claims };
    this.metrics.authFailure(result.reason);
    return { ok: false, refusal: 'auth', detail: `${result.reason} token` };
  }

  /** The client's address: the socket's, or with `trustProxy` the one the proxy appended to X-Forwarded-For. */
  #addressOf(req: IncomingMessage): string {
    if (this.options.trustProxy) {
      const forwarded = req.headers['x-forwarded-for'];
      const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').at(-1)?.trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? 'unknown';
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const onError = (error: Error): void => this.#log.debug({ err: error }, 'upgrade socket error');
    socket.on('error', onError);
    // Keep only what is needed: a closure over req would hold the request and its headers for the socket's life.
    const address = this.#addressOf(req);
    const refuse = (refusal: Refusal, detail?: string): void => {
      if (refusal !== 'bad-request') this.metrics.rejected(refusal);
      // The URL may carry a token: only its path and parameter names reach the logs.
      this.#log.info({ address, url: redactUrl(req.url), reason: detail ?? refusal }, 'upgrade refused');
      if (socket.destroyed) return;
      // As ws's own abortHandshake: end with the status, then destroy, so a peer that never closes its side
      // cannot keep the socket (and its slot) open.
      socket.once('finish', () => socket.destroy());
      socket.end(refusalResponse(REFUSALS[refusal].status));
    };
    const url = requestUrl(req.url);
    if (!url) return refuse('bad-request');
    const screened = this.#screen(req, url);
    if (screened && !screened.ok) return refuse(screened.refusal, screened.detail);
    // Gone already (the client hung up while the request was parsed): nothing to count, nothing to answer.
    if (socket.destroyed) return;
    if (!this.#take(address)) return refuse('ip-limit');
    this.#releaseOnClose(socket, address);
    if (!this.options.secret) return this.#accept(req, socket, head, address, onError);
    if (this.#pending >= this.options.maxPendingUpgrades) return refuse('busy', 'too many upgrades in progress');
    this.#pending += 1;
    void this.#authenticate(url)
      .then((verdict) => {
        this.#pending -= 1;
        if (verdict.ok) this.#accept(req, socket, head, address, onError, verdict.claims);
        else refuse(verdict.refusal, verdict.detail);
      })
      .catch((error: unknown) => {
        this.#log.error({ err: error }, 'upgrade failed');
        socket.destroy();
      });
  }

  #accept(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    address: string,
    onError: (error: Error) => void,
    claims?: TokenClaims,
  ): void {
    if (socket.destroyed || this.#closing) {
      socket.destroy();
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', onError); // ws has its own error handling from here on.
      this.#onConnection(ws, address, claims);
    });
  }

  /** Takes a slot of `address` unless it has its fill; a held session takes one regardless (`force`). */
  #take(address: string, force = false): boolean {
    const open = this.#perAddress.get(address) ?? 0;
    if (!force && open >= this.options.maxConnectionsPerIp) return false;
    this.#perAddress.set(address, open + 1);
    return true;
  }

  /**
   * Whichever way an upgrading socket ends (refused, aborted by ws, half-closed, or a connection that closes), it
   * closes, and its slot is given back once, here. A method of its own so the listener closes over the address
   * alone, not over the request and its headers for the connection's life.
   */
  #releaseOnClose(socket: Duplex, address: string): void {
    socket.once('close', () => this.#release(address));
  }

  #release(address: string): void {
    const open = (this.#perAddress.get(address) ?? 1) - 1;
    if (open > 0) this.#perAddress.set(address, open);
    else this.#perAddress.delete(address);
  }

  #onConnection(ws: WebSocket, address: string, claims?: TokenClaims): void {
    const connection: Connection = {
      id: randomBytes(12).toString('base64url'),
      ws,
      address,
      bucket: new TokenBucket(this.options.rateLimit, this.options.rateBurst),
      claims,
      limited: { since: 0, dropped: 0 },
      alive: true,
      pongWaiters: [],
      kicked: false,
      closing: false,
    };
    this.#connections.add(connection);
    this.#awaitJoin(connection);
    this.#log.info({ peer: connection.id, address, sub: claims?.sub }, 'connect');
    ws.on('pong', () => {
      connection.alive = true;
      for (const waiter of connection.pongWaiters.splice(0)) waiter(true);
    });
    // Guarded inline, not through #guard: this runs for every frame, and closures per frame cost throughput.
    ws.on('message', (data, isBinary) => {
      try {
        this.#onMessage(connection, data, isBinary);
      } catch (error) {
        this.#log.error({ err: error, in: 'message' }, 'handler failed');
        this.#shut(connection, CLOSE_CODES.internalError, 'internal error');
      }
    });
    ws.on('error', (error) => {
      // A protocol error (oversized or invalid frame): ws closes the socket, and the session ends with it.
      connection.kicked = true;
      this.#log.info({ peer: connection.peer?.id, room: connection.peer?.room, reason: error.message }, 'socket error');
    });
    ws.on('close', (code, reason) => {
      this.#connections.delete(connection);
      clearTimeout(connection.joinTimer);
      for (const waiter of connection.pongWaiters.splice(0)) waiter(false);
      const peer = connection.peer;
      if (peer) this.#drop(peer, connection.kicked);
      this.#log.info(
        {
          peer: peer?.id ?? connection.id,
          room: peer?.room,
          address,
          code,
          reason: reason.toString() || undefined,
        },
        'close',
      );
    });
  }

  /** (Re)starts the join timeout: a connection outside a room is closed after `joinTimeout`. */
  #awaitJoin(connection: Connection): void {
    this.#stopJoinTimer(connection);
    connection.joinTimer = setTimeout(() => {
      if (connection.peer) return;
      this.#log.info({ peer: connection.id, address: connection.address, reason: 'join timeout' }, 'closing');
      this.#shut(connection, CLOSE_CODES.policyViolation, 'join timeout');
    }, this.options.joinTimeout);
    connection.joinTimer.unref();
  }

  /** Stops the join timeout and lets its timer go (an idle connection in a room holds no timer). */
  #stopJoinTimer(connection: Connection): void {
    clearTimeout(connection.joinTimer);
    connection.joinTimer = undefined;
  }

  /**
   * Closes a connection the relay is done with: its session ends at once (no resume), its frames are dropped
   * unread from now on, and a peer that does not finish the closing handshake is cut after a second.
   */
  #shut(connection: Connection, code: number, reason: string): void {
    if (connection.closing) return;
    connection.closing = true;
    connection.kicked = true;
    connection.ws.close(code, reason);
    setTimeout(() => connection.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (connection.closing) return;
    if (!connection.bucket.take()) return this.#rateLimited(connection);
    // Frames are answered in order: while a join waits on the backplane, later frames wait behind it.
    if (connection.inbox) connection.inbox.push([data, isBinary]);
    else this.#handle(connection, data, isBinary);
  }

  /**
   * A frame over the rate: dropped and answered `rate-limited`. Counted per one-second window; a connection that
   * gets `rateLimitClose` drops in one window sends several times its rate and is closed with 1008. Logged at
   * most once a window per connection, with the count of the window before.
   */
  #rateLimited(connection: Connection): void {
    this.metrics.rateLimited();
    const now = performance.now();
    const { limited } = connection;
    if (now - limited.since >= 1000) {
      this.#log.info(
        { peer: connection.peer?.id ?? connection.id, room: connection.peer?.room, before: limited.dropped },
        'rate limited',
      );
      limited.since = now;
      limited.dropped = 0;
    }
    limited.dropped += 1;
    if (limited.dropped >= this.options.rateLimitClose) {
      this.#log.warn(
        { peer: connection.peer?.id ?? connection.id, room: connection.peer?.room, dropped: limited.dropped },
        'closing rate-limited connection',
      );
      return this.#shut(connection, CLOSE_CODES.policyViolation, 'rate limit exceeded');
    }
    this.#error(connection, 'rate-limited', 'Too many messages; this one was dropped.', false);
  }

  #handle(connection: Connection, data: RawData, isBinary: boolean): void {
    const pending = this.#dispatch(connection, data, isBinary);
    if (!pending) return;
    connection.inbox = [];
    const drain = (): void => {
      const inbox = connection.inbox ?? [];
      connection.inbox = undefined;
      while (inbox.length > 0 && !connection.inbox && !connection.closing) {
        const [next, binary] = inbox.shift()!;
        this.#handle(connection, next, binary);
      }
      // Another join is waiting: what is left waits behind it (its inbox is still empty, nothing ran since).
      if (connection.inbox) connection.inbox = inbox;
    };
    void pending.then(
      () => this.#guard('message', drain, () => this.#shut(connection, CLOSE_CODES.internalError, 'internal error')),
      (error: unknown) => {
        this.#log.error({ err: error, peer: connection.id }, 'handler failed');
        this.#shut(connection, CLOSE_CODES.internalError, 'internal error');
      },
    );
  }

  /** Handles one frame; returns a promise when the answer waits on the backplane. */
  #dispatch(connection: Connection, data: RawData, isBinary: boolean): Promise<void> | void {
    if (isBinary) {
      this.metrics.messageIn('invalid');
      return this.#error(connection, 'bad-message', 'Binary frames are not accepted; send JSON text.');
    }
    const parsed = parseClientMessage(rawToString(data));
    if (!parsed.ok) {
      this.metrics.messageIn('invalid');
      return this.#error(connection, parsed.code, parsed.message);
    }
    const message = parsed.message;
    this.metrics.messageIn(message.type);
    switch (message.type) {
      case 'join':
        return this.#join(connection, message);
      case 'signal':
        return this.#signal(connection, message);
      case 'leave':
        if (!connection.peer) return this.#error(connection, 'not-joined', 'leave needs a room; join one first.');
        return this.#leave(connection.peer, 'leave');
      case 'ping':
        return this.#send(connection, { type: 'pong' });
    }
  }

  #join(connection: Connection, message: JoinMessage): Promise<void> | void {
    if (connection.peer)
      return this.#error(connection, 'already-joined', `Already in room "${connection.peer.room}"; send leave first.`);
    const { claims } = connection;
    if (claims && claims.room !== '*' && claims.room !== message.room)
      return this.#error(connection, 'forbidden', `Your token does not grant room "${message.room}".`);
    if (message.resume && this.options.resumeGrace > 0) {
      const token = message.resume;
      const resumable = (): Peer | undefined => {
        const peer = this.#resumable.get(token);
        return peer && peer.room === message.room && peer.sub === claims?.sub ? peer : undefined;
      };
      const peer = resumable();
      const live = peer?.connection;
      if (peer && !live) return this.#resume(connection, peer);
      if (peer && live) {
        // The session's socket still looks open. Its owner may have lost it without the relay noticing (a new
        // network, say), or someone else holds a stolen token: only a socket that fails a ping is taken over.
        return this.#isAlive(live).then((alive) => {
          if (connection.ws.readyState !== WebSocket.OPEN) return;
          const still = resumable();
          if (still && (!alive || !still.connection)) return this.#resume(connection, still);
          this.#log.info({ peer: peer.id, room: peer.room, address: connection.address }, 'resume refused: live');
          return this.#join(connection, { type: 'join', room: message.room, meta: message.meta });
        });
      }
      // Unknown, expired or someone else's: join as a new peer, which the client sees from its new id.
    }
    // meta.sub is the relay's to set, from the token, so nobody can pass for someone else.
    const meta: PeerMeta = { ...message.meta };
    delete meta.sub;
    if (claims?.sub !== undefined) meta.sub = claims.sub;
    const info: PeerInfo = { id: connection.id, meta };
    const result = this.#backplane.join(message.room, info, this.options.maxPeersPerRoom);
    if (!(result instanceof Promise)) return this.#joined(connection, message.room, info, result);
    return result.then(
      (answer) => this.#joined(connection, message.room, info, answer),
      (error: unknown) => {
        this.#log.warn(
          { err: (error as Error).message, peer: connection.id, room: message.room },
          'backplane join failed',
        );
        // The backplane failed within its bound and took the join back: the client may try again.
        this.#error(connection, 'unavailable', `Cannot join "${message.room}" now: the relay's backplane is down.`);
      },
    );
  }

  /** Pings `connection`; resolves `true` at its pong, `false` if none comes within the probe time or it closes. */
  #isAlive(connection: Connection): Promise<boolean> {
    if (connection.ws.readyState !== WebSocket.OPEN) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), Math.min(LIVENESS_PROBE_MS, this.options.heartbeatInterval));
      const done = (alive: boolean): void => {
        clearTimeout(timer);
        const index = connection.pongWaiters.indexOf(done);
        if (index !== -1) connection.pongWaiters.splice(index, 1);
        resolve(alive);
      };
      connection.pongWaiters.push(done);
      connection.ws.ping();
    });
  }

  #joined(connection: Connection, room: string, info: PeerInfo, result: BackplaneJoin): void {
    if (!result.ok)
      return this.#error(connection, 'room-full', `Room "${room}" is full (${this.options.maxPeersPerRoom} peers).`);
    if (connection.ws.readyState !== WebSocket.OPEN) {
      // It went away while the backplane answered.
      this.#backplane.leave(room, info.id);
      return;
    }
    const peer: Peer = {
      id: info.id,
      room,
      meta: info.meta,
      sub: connection.claims?.sub,
      address: connection.address,
      connection,
    };
    let members = this.#rooms.get(room);
    if (!members) this.#rooms.set(room, (members = new Map()));
    members.set(peer.id, peer);
    connection.peer = peer;
    this.#stopJoinTimer(connection);
    this.#welcome(peer, result.peers);
    this.#broadcast(room, peer, { type: 'peer-joined', peer: info });
    this.#log.info({ peer: peer.id, room, address: connection.address, peers: members.size }, 'join');
  }

  /** Hands `peer` to `connection`: same id, no announcement to the room, held messages delivered in order. */
  #resume(connection: Connection, peer: Peer): void {
    const previous = peer.connection;
    if (previous) {
      // The client saw its socket die before the relay did: the old socket is finished, quietly.
      previous.peer = undefined;
      previous.ws.close(CLOSE_CODES.superseded, 'session resumed on another connection');
    }
    const buffer = peer.held?.buffer ?? [];
    this.#unhold(peer);
    peer.connection = connection;
    peer.address = connection.address;
    connection.peer = peer;
    this.#stopJoinTimer(connection);
    this.metrics.resumed();
    this.#welcome(peer, this.#backplane.peers(peer.room, peer.id));
    for (const { type, text } of buffer) this.#sendText(connection, text, type);
    this.#log.info({ peer: peer.id, room: peer.room, address: connection.address, delivered: buffer.length }, 'resume');
  }

  #welcome(peer: Peer, peers: PeerInfo[]): void {
    if (peer.resume) this.#resumable.delete(peer.resume);
    peer.resume = undefined;
    if (this.options.resumeGrace > 0) {
      peer.resume = randomBytes(18).toString('base64url');
      this.#resumable.set(peer.resume, peer);
    }
    this.#send(peer.connection!, {
      type: 'welcome',
      peer: peer.id,
      room: peer.room,
      peers,
      iceServers: iceServersFor(this.options, peer.id),
      ...(peer.resume ? { resume: peer.resume } : {}),
    });
  }

  #signal(connection: Connection, message: SignalMessage): void {
    const peer = connection.peer;
    if (!peer) return this.#error(connection, 'not-joined', 'signal needs a room; join one first.');
    const target = this.#rooms.get(peer.room)?.get(message.to);
    if (target) this.#deliverSignal(target, peer.id, message.data);
    else if (message.to !== peer.id && this.#backplane.has(peer.room, message.to)) {
      const sent = this.#backplane.signal(peer.room, peer.id, message.to, message.data);
      // Never dropped silently: a signal that cannot cross to the target's node is answered.
      if (sent)
        sent.catch((error: unknown) => {
          this.#log.info({ err: (error as Error).message, peer: peer.id, room: peer.room }, 'backplane signal failed');
          this.#error(connection, 'unavailable', `Signal to "${message.to}" not delivered: the backplane is down.`);
        });
    } else return this.#error(connection, 'unknown-peer', `No peer "${message.to}" in this room.`);
    // The hot path: build the log entry only when someone reads it.
    if (this.#log.isLevelEnabled('debug'))
      this.#log.debug({ peer: peer.id, room: peer.room, to: message.to }, 'signal');
  }

  #deliverSignal(target: Peer, from: string, data: Json): void {
    const text = JSON.stringify({ type: 'signal', from, data } satisfies ServerMessage);
    if (target.connection) this.#sendText(target.connection, text, 'signal');
    else this.#hold(target, 'signal', text);
  }

  /** Keeps `text` for a held peer, up to the bounds in messages and bytes. */
  #hold(peer: Peer, type: ServerMessage['type'], text: string): void {
    const { held } = peer;
    if (!held) return;
    if (
      held.buffer.length >= this.options.resumeBuffer ||
      held.bytes + Buffer.byteLength(text) > this.options.resumeBufferBytes
    ) {
      // It could only resume with a gap: better that its room knows now that it is gone.
      this.#leave(peer, 'resume buffer full');
      return;
    }
    held.buffer.push({ type, text });
    held.bytes += Buffer.byteLength(text);
  }

  /** Ends a hold: its timer stops and the slot it took from its address is given back. */
  #unhold(peer: Peer): void {
    if (!peer.held) return;
    clearTimeout(peer.held.timer);
    peer.held = undefined;
    this.#release(peer.address);
  }

  /** The socket of a joined peer closed: hold its session for a resume, or end it now. */
  #drop(peer: Peer, kicked: boolean): void {
    peer.connection = undefined;
    if (kicked || this.#closing || this.options.resumeGrace === 0) return this.#leave(peer, 'close');
    const timer = setTimeout(() => this.#leave(peer, 'resume timeout'), this.options.resumeGrace);
    timer.unref();
    // A held session counts against its address like a connection: closing sockets cannot dodge the cap.
    this.#take(peer.address, true);
    peer.held = { timer, buffer: [], bytes: 0 };
    this.#log.info({ peer: peer.id, room: peer.room, address: peer.address, grace: this.options.resumeGrace }, 'hold');
  }

  #leave(peer: Peer, reason: string): void {
    const members = this.#rooms.get(peer.room);
    if (members?.get(peer.id) !== peer) return;
    members.delete(peer.id);
    if (members.size === 0) this.#rooms.delete(peer.room);
    if (peer.resume) this.#resumable.delete(peer.resume);
    this.#unhold(peer);
    if (peer.connection) {
      peer.connection.peer = undefined;
      // It may stay connected and join again, within the join timeout.
      this.#awaitJoin(peer.connection);
    }
    peer.connection = undefined;
    this.#backplane.leave(peer.room, peer.id);
    this.#broadcast(peer.room, peer, { type: 'peer-left', peer: peer.id });
    this.#log.info({ peer: peer.id, room: peer.room, address: peer.address, reason }, 'leave');
  }

  #beat(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) {
        this.#log.info(
          { peer: connection.peer?.id, room: connection.peer?.room, reason: 'heartbeat timeout' },
          'terminate',
        );
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }

  /** Sends `message` to every peer of `room` on this node but `except`, held ones included. */
  #broadcast(room: string, except: Peer | undefined, message: ServerMessage): void {
    const members = this.#rooms.get(room);
    if (!members) return;
    const text = JSON.stringify(message);
    for (const member of members.values()) {
      if (member === except) continue;
      if (member.connection) this.#sendText(member.connection, text, message.type);
      else if (message.type === 'peer-left') this.#hold(member, message.type, text);
      // A held peer learns who joined meanwhile from its resume welcome.
    }
  }

  /** Answers `connection` with an error frame; logged unless `log` is false (rate limiting logs its own way). */
  #error(connection: Connection, code: ErrorCode, message: string, log = true): void {
    this.metrics.error(code);
    if (log)
      this.#log.info(
        { peer: connection.peer?.id, room: connection.peer?.room, address: connection.address, code },
        'error',
      );
    this.#send(connection, { type: 'error', code, message });
  }

  #send(connection: Connection, message: ServerMessage): void {
    this.#sendText(connection, JSON.stringify(message), message.type);
  }

  #sendText(connection: Connection, text: string, type: ServerMessage['type']): void {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.options.maxBufferedAmount) {
      this.#log.warn({ peer: connection.peer?.id, room: connection.peer?.room, reason: 'slow receiver' }, 'terminate');
      connection.kicked = true;
      ws.terminate();
      return;
    }
    this.metrics.messageOut(type);
    ws.send(text);
  }
}

function internalError(res: ServerResponse): void {
  if (res.headersSent) res.destroy();
  else res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error\n');
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
