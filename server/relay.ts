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
  type JoinMessage,
  type PeerInfo,
  type PeerMeta,
  type ServerMessage,
  type SignalMessage,
} from '../src/signaling/protocol.js';
import { resolveOptions, type RelayOptions } from './options.js';
import { TokenBucket } from './rate-limit.js';

/** Path that takes WebSocket signaling. */
export const SIGNAL_PATH = '/signal';

/** One WebSocket connection: a peer, in at most one room. */
interface Connection {
  readonly id: string;
  readonly ws: WebSocket;
  readonly address: string;
  readonly bucket: TokenBucket;
  /** Rate-limited messages in a row. */
  dropped: number;
  /** Cleared by each heartbeat, set again by the pong. */
  alive: boolean;
  room?: Room;
  meta: PeerMeta;
}

/** A room: its members in join order. */
interface Room {
  readonly name: string;
  readonly members: Map<string, Connection>;
}

/** Counts `GET /healthz` reports. */
export interface RelayHealth {
  ok: true;
  rooms: number;
  peers: number;
}

/**
 * The rtc-kit signaling relay: rooms, targeted routing, limits and heartbeats over WebSocket, plus static
 * files and a health check over HTTP.
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
  readonly #log: Logger;
  readonly #wss: WebSocketServer;
  readonly #rooms = new Map<string, Room>();
  readonly #connections = new Set<Connection>();
  readonly #static: ((req: IncomingMessage, res: ServerResponse, next: () => void) => void)[] = [];
  #heartbeat?: NodeJS.Timeout;

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

  /** Starts listening. Resolves with the bound address once ready. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        this.#heartbeat = setInterval(() => this.#beat(), this.options.heartbeatInterval);
        const address = this.server.address() as AddressInfo;
        this.#log.info({ port: address.port, host: address.address }, 'listening');
        resolve(address);
      });
    });
  }

  /** Room and peer counts, as `GET /healthz` reports them. */
  health(): RelayHealth {
    let peers = 0;
    for (const room of this.#rooms.values()) peers += room.members.size;
    return { ok: true, rooms: this.#rooms.size, peers };
  }

  /**
   * Stops accepting connections, closes every socket with 1001 (going away), and resolves once the HTTP
   * server has closed.
   */
  close(): Promise<void> {
    clearInterval(this.#heartbeat);
    for (const connection of this.#connections) connection.ws.close(CLOSE_CODES.goingAway, 'relay shutting down');
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      // Sockets that do not finish the closing handshake must not hold shutdown up.
      setTimeout(() => {
        for (const connection of this.#connections) connection.ws.terminate();
        this.server.closeAllConnections();
      }, 1000).unref();
    });
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(this.health()));
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

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const onError = (error: Error): void => this.#log.debug({ err: error }, 'upgrade socket error');
    socket.on('error', onError);
    const path = (req.url ?? '/').split('?')[0];
    if (path !== SIGNAL_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Keep only the address: a closure over req would hold the request and its headers for the socket's life.
    const address = req.socket.remoteAddress ?? 'unknown';
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', onError); // ws has its own error handling from here on.
      this.#onConnection(ws, address);
    });
  }

  #onConnection(ws: WebSocket, address: string): void {
    const connection: Connection = {
      id: randomBytes(12).toString('base64url'),
      ws,
      address,
      bucket: new TokenBucket(this.options.rateLimit, this.options.rateBurst),
      dropped: 0,
      alive: true,
      meta: {},
    };
    this.#connections.add(connection);
    this.#log.info({ peer: connection.id, address: connection.address }, 'connect');
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(connection, data, isBinary));
    ws.on('error', (error) => {
      this.#log.info({ peer: connection.id, room: connection.room?.name, reason: error.message }, 'socket error');
    });
    ws.on('close', (code, reason) => {
      const room = connection.room?.name;
      this.#connections.delete(connection);
      this.#leave(connection, 'close');
      this.#log.info(
        { peer: connection.id, room, address: connection.address, code, reason: reason.toString() || undefined },
        'close',
      );
    });
  }

  #onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (!connection.bucket.take()) {
      connection.dropped += 1;
      if (connection.dropped >= this.options.rateLimitClose) {
        this.#log.warn({ peer: connection.id, room: connection.room?.name }, 'closing rate-limited connection');
        connection.ws.close(CLOSE_CODES.policyViolation, 'rate limit exceeded');
        return;
      }
      this.#error(connection, 'rate-limited', 'Too many messages; this one was dropped.');
      return;
    }
    connection.dropped = 0;
    if (isBinary) {
      this.#error(connection, 'bad-message', 'Binary frames are not accepted; send JSON text.');
      return;
    }
    const parsed = parseClientMessage(rawToString(data));
    if (!parsed.ok) {
      this.#error(connection, parsed.code, parsed.message);
      return;
    }
    const message = parsed.message;
    switch (message.type) {
      case 'join':
        return this.#join(connection, message);
      case 'signal':
        return this.#signal(connection, message);
      case 'leave':
        if (!connection.room) return this.#error(connection, 'not-joined', 'leave needs a room; join one first.');
        return this.#leave(connection, 'leave');
      case 'ping':
        return this.#send(connection, { type: 'pong' });
    }
  }

  #join(connection: Connection, message: JoinMessage): void {
    if (connection.room)
      return this.#error(connection, 'already-joined', `Already in room "${connection.room.name}"; send leave first.`);
    let room = this.#rooms.get(message.room);
    if (room && room.members.size >= this.options.maxPeersPerRoom)
      return this.#error(
        connection,
        'room-full',
        `Room "${message.room}" is full (${this.options.maxPeersPerRoom} peers).`,
      );
    if (!room) {
      room = { name: message.room, members: new Map() };
      this.#rooms.set(room.name, room);
    }
    const peers: PeerInfo[] = [...room.members.values()].map((m) => ({ id: m.id, meta: m.meta }));
    connection.meta = message.meta ?? {};
    connection.room = room;
    room.members.set(connection.id, connection);
    this.#send(connection, {
      type: 'welcome',
      peer: connection.id,
      room: room.name,
      peers,
      iceServers: this.options.iceServers,
    });
    this.#broadcast(room, connection, { type: 'peer-joined', peer: { id: connection.id, meta: connection.meta } });
    this.#log.info(
      { peer: connection.id, room: room.name, address: connection.address, peers: room.members.size },
      'join',
    );
  }

  #signal(connection: Connection, message: SignalMessage): void {
    const room = connection.room;
    if (!room) return this.#error(connection, 'not-joined', 'signal needs a room; join one first.');
    const target = room.members.get(message.to);
    if (!target) return this.#error(connection, 'unknown-peer', `No peer "${message.to}" in this room.`);
    this.#send(target, { type: 'signal', from: connection.id, data: message.data });
    // The hot path: build the log entry only when someone reads it.
    if (this.#log.isLevelEnabled('debug'))
      this.#log.debug({ peer: connection.id, room: room.name, to: target.id }, 'signal');
  }

  #leave(connection: Connection, reason: 'leave' | 'close'): void {
    const room = connection.room;
    if (!room) return;
    room.members.delete(connection.id);
    connection.room = undefined;
    if (room.members.size === 0) this.#rooms.delete(room.name);
    else this.#broadcast(room, connection, { type: 'peer-left', peer: connection.id });
    this.#log.info({ peer: connection.id, room: room.name, address: connection.address, reason }, 'leave');
  }

  #beat(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) {
        this.#log.info({ peer: connection.id, room: connection.room?.name, reason: 'heartbeat timeout' }, 'terminate');
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }

  #broadcast(room: Room, except: Connection, message: ServerMessage): void {
    const text = JSON.stringify(message);
    for (const member of room.members.values()) if (member !== except) this.#sendText(member, text);
  }

  #error(connection: Connection, code: ErrorCode, message: string): void {
    this.#log.info({ peer: connection.id, room: connection.room?.name, address: connection.address, code }, 'error');
    this.#send(connection, { type: 'error', code, message });
  }

  #send(connection: Connection, message: ServerMessage): void {
    this.#sendText(connection, JSON.stringify(message));
  }

  #sendText(connection: Connection, text: string): void {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > this.options.maxBufferedAmount) {
      this.#log.warn({ peer: connection.id, room: connection.room?.name, reason: 'slow receiver' }, 'terminate');
      ws.terminate();
      return;
    }
    ws.send(text);
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
