import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino, type Logger } from 'pino';
import sirv from 'sirv';
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
import { redactUrl, verifyToken, type TokenClaims } from './auth.js';
import { MemoryBackplane, type Backplane, type BackplaneJoin } from './backplane.js';
import { RelayMetrics } from './metrics.js';
import { resolveOptions, type RelayOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';
import { RedisBackplane } from './redis-backplane.js';
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
  /** Rate-limited messages in a row. */
  dropped: number;
  /** Cleared by each heartbeat, set again by the pong. */
  alive: boolean;
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
  /** Set while held: the grace timer, and what arrived for it meanwhile. */
  held?: { timer: NodeJS.Timeout; buffer: { type: ServerMessage['type']; text: string }[] };
}

/** Counts `GET /healthz` reports. */
export interface RelayHealth {
  ok: true;
  rooms: number;
  peers: number;
}

/** Why an upgrade was refused, and its HTTP status line. */
const REFUSALS = {
  path: '404 Not Found',
  auth: '401 Unauthorized',
  origin: '403 Forbidden',
  'ip-limit': '429 Too Many Requests',
} as const;

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
  readonly #backplane: Backplane;
  /** Peers on this node, by room, in join order. */
  readonly #rooms = new Map<string, Map<string, Peer>>();
  /** Peers by resume token. */
  readonly #resumable = new Map<string, Peer>();
  readonly #connections = new Set<Connection>();
  /** Open connections and upgrades in progress, by client address. */
  readonly #perAddress = new Map<string, number>();
  readonly #static: ((req: IncomingMessage, res: ServerResponse, next: () => void) => void)[] = [];
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
    this.#backplane = this.options.redisUrl
      ? new RedisBackplane({ url: this.options.redisUrl, ttl: this.options.redisTtl, log: this.#log })
      : new MemoryBackplane();
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
    if (this.options.static) this.#static.push(sirv(this.options.static, { dev: false, etag: true }));
    if (this.options.kitDir) {
      // The kit is loaded with <script type="module"> from pages on any origin, which needs CORS.
      const kit = sirv(this.options.kitDir, {
        dev: false,
        etag: true,
        setHeaders: (res) => res.setHeader('Access-Control-Allow-Origin', '*'),
      });
      this.#static.push((req, res, next) => {
        if (!req.url?.startsWith('/dist/')) return next();
        req.url = req.url.slice('/dist'.length);
        kit(req, res, next);
      });
    }
    this.server = createServer((req, res) => this.#onRequest(req, res));
    this.server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  /** Starts the backplane, then listens. Resolves with the bound address once ready. */
  async listen(): Promise<AddressInfo> {
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
    return { ok: true, rooms: this.#rooms.size, peers };
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

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(this.health()));
      return;
    }
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
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
    const notFound = (): void => {
      res.writeHead(404, { 'content-type': 'text/plain' });
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
    const refuse = (reason: keyof typeof REFUSALS, detail?: string): void => {
      this.metrics.rejected(reason);
      // The URL may carry a token: it reaches the logs redacted, never raw.
      this.#log.info({ address, url: redactUrl(req.url), reason: detail ?? reason }, 'upgrade refused');
      socket.end(`HTTP/1.1 ${REFUSALS[reason]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', 'http://relay');
    if (url.pathname !== SIGNAL_PATH) return refuse('path');
    const { allowOrigins } = this.options;
    if (allowOrigins.length > 0 && !allowOrigins.includes(req.headers.origin ?? ''))
      return refuse('origin', `origin ${JSON.stringify(req.headers.origin ?? null)} not allowed`);
    const open = this.#perAddress.get(address) ?? 0;
    if (open >= this.options.maxConnectionsPerIp) return refuse('ip-limit');
    // Counted from now, so upgrades waiting on token checks cannot slip past the cap together.
    this.#perAddress.set(address, open + 1);
    const accept = (claims?: TokenClaims): void => {
      if (socket.destroyed || this.#closing) return this.#release(address);
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        socket.off('error', onError); // ws has its own error handling from here on.
        this.#onConnection(ws, address, claims);
      });
    };
    if (!this.options.secret) return accept();
    void verifyToken(this.options.secret, url.searchParams.get('token')).then((result) => {
      if (result.ok) return accept(result.claims);
      this.#release(address);
      this.metrics.authFailure(result.reason);
      refuse('auth', `${result.reason} token`);
    });
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
      dropped: 0,
      alive: true,
      kicked: false,
    };
    this.#connections.add(connection);
    this.#log.info({ peer: connection.id, address, sub: claims?.sub }, 'connect');
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(connection, data, isBinary));
    ws.on('error', (error) => {
      // A protocol error (oversized or invalid frame): ws closes the socket, and the session ends with it.
      connection.kicked = true;
      this.#log.info({ peer: connection.peer?.id, room: connection.peer?.room, reason: error.message }, 'socket error');
    });
    ws.on('close', (code, reason) => {
      this.#connections.delete(connection);
      this.#release(address);
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

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (!connection.bucket.take()) {
      connection.dropped += 1;
      this.metrics.rateLimited();
      if (connection.dropped >= this.options.rateLimitClose) {
        this.#log.warn({ peer: connection.peer?.id, room: connection.peer?.room }, 'closing rate-limited connection');
        connection.kicked = true;
        connection.ws.close(CLOSE_CODES.policyViolation, 'rate limit exceeded');
        return;
      }
      this.#error(connection, 'rate-limited', 'Too many messages; this one was dropped.');
      return;
    }
    connection.dropped = 0;
    // Frames are answered in order: while a join waits on the backplane, later frames wait behind it.
    if (connection.inbox) connection.inbox.push([data, isBinary]);
    else this.#handle(connection, data, isBinary);
  }

  #handle(connection: Connection, data: RawData, isBinary: boolean): void {
    const pending = this.#dispatch(connection, data, isBinary);
    if (!pending) return;
    connection.inbox = [];
    void pending.then(() => {
      const inbox = connection.inbox ?? [];
      connection.inbox = undefined;
      while (inbox.length > 0 && !connection.inbox) {
        const [next, binary] = inbox.shift()!;
        this.#handle(connection, next, binary);
      }
      // Another join is waiting: what is left waits behind it (its inbox is still empty, nothing ran since).
      if (connection.inbox) connection.inbox = inbox;
    });
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
      const peer = this.#resumable.get(message.resume);
      if (peer && peer.room === message.room && peer.sub === claims?.sub) return this.#resume(connection, peer);
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
        this.#log.error({ err: error, peer: connection.id, room: message.room }, 'backplane join failed');
        // No error code fits "try again later": closing makes the client reconnect with its backoff.
        connection.ws.close(CLOSE_CODES.internalError, 'join failed; reconnect');
      },
    );
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
    clearTimeout(peer.held?.timer);
    peer.held = undefined;
    peer.connection = connection;
    peer.address = connection.address;
    connection.peer = peer;
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
    else if (message.to !== peer.id && this.#backplane.has(peer.room, message.to))
      this.#backplane.signal(peer.room, peer.id, message.to, message.data);
    else return this.#error(connection, 'unknown-peer', `No peer "${message.to}" in this room.`);
    // The hot path: build the log entry only when someone reads it.
    if (this.#log.isLevelEnabled('debug'))
      this.#log.debug({ peer: peer.id, room: peer.room, to: message.to }, 'signal');
  }

  #deliverSignal(target: Peer, from: string, data: Json): void {
    const text = JSON.stringify({ type: 'signal', from, data } satisfies ServerMessage);
    if (target.connection) this.#sendText(target.connection, text, 'signal');
    else this.#hold(target, 'signal', text);
  }

  /** Keeps `text` for a held peer, up to the bound. */
  #hold(peer: Peer, type: ServerMessage['type'], text: string): void {
    if (!peer.held) return;
    if (peer.held.buffer.length >= this.options.resumeBuffer) {
      // It could only resume with a gap: better that its room knows now that it is gone.
      this.#leave(peer, 'resume buffer full');
      return;
    }
    peer.held.buffer.push({ type, text });
  }

  /** The socket of a joined peer closed: hold its session for a resume, or end it now. */
  #drop(peer: Peer, kicked: boolean): void {
    peer.connection = undefined;
    if (kicked || this.#closing || this.options.resumeGrace === 0) return this.#leave(peer, 'close');
    const timer = setTimeout(() => this.#leave(peer, 'resume timeout'), this.options.resumeGrace);
    timer.unref();
    peer.held = { timer, buffer: [] };
    this.#log.info({ peer: peer.id, room: peer.room, address: peer.address, grace: this.options.resumeGrace }, 'hold');
  }

  #leave(peer: Peer, reason: string): void {
    const members = this.#rooms.get(peer.room);
    if (members?.get(peer.id) !== peer) return;
    members.delete(peer.id);
    if (members.size === 0) this.#rooms.delete(peer.room);
    if (peer.resume) this.#resumable.delete(peer.resume);
    clearTimeout(peer.held?.timer);
    peer.held = undefined;
    if (peer.connection) peer.connection.peer = undefined;
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

  #error(connection: Connection, code: ErrorCode, message: string): void {
    this.metrics.error(code);
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

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
