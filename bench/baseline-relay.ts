/**
 * Child process: the baseline, a bare `ws` relay doing the same routing job as rtc-kit's with nothing else:
 * no validation, limits, heartbeats or logging. It still has to `JSON.parse` each frame to route it, and
 * re-serialises the signal with `from` set, as any relay must. Peer ids have the same form as rtc-kit's
 * (16 base64url characters) so both relays move frames of the same size.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serveToParent } from './child.js';

/** The fields the baseline reads from a client frame; it trusts the rest. */
interface Frame {
  type?: unknown;
  room?: unknown;
  to?: unknown;
  data?: unknown;
  meta?: unknown;
}

interface Peer {
  id: string;
  ws: WebSocket;
  meta: unknown;
  roomName?: string;
  room?: Map<string, Peer>;
}

const rooms = new Map<string, Map<string, Peer>>();
let peers = 0;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/signal', clientTracking: false });
wss.on('connection', (ws) => {
  const peer: Peer = { id: randomBytes(12).toString('base64url'), ws, meta: {} };
  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString()) as Frame;
    if (frame.type === 'signal' && typeof frame.to === 'string') {
      peer.room?.get(frame.to)?.ws.send(JSON.stringify({ type: 'signal', from: peer.id, data: frame.data }));
    } else if (frame.type === 'join' && typeof frame.room === 'string' && !peer.room) {
      let room = rooms.get(frame.room);
      if (!room) rooms.set(frame.room, (room = new Map()));
      const others = [...room.values()].map((p) => ({ id: p.id, meta: p.meta }));
      peer.meta = frame.meta ?? {};
      const joined = JSON.stringify({ type: 'peer-joined', peer: { id: peer.id, meta: peer.meta } });
      for (const other of room.values()) other.ws.send(joined);
      room.set(peer.id, peer);
      peer.room = room;
      peer.roomName = frame.room;
      peers++;
      ws.send(JSON.stringify({ type: 'welcome', peer: peer.id, room: frame.room, peers: others, iceServers: [] }));
    }
  });
  ws.on('close', () => {
    if (!peer.room) return;
    peer.room.delete(peer.id);
    if (peer.room.size === 0 && peer.roomName !== undefined) rooms.delete(peer.roomName);
    peers--;
  });
});
await new Promise<void>((resolve) => wss.once('listening', resolve));

serveToParent({
  port: (wss.address() as AddressInfo).port,
  peers: () => peers,
  close: () => new Promise((resolve) => wss.close(() => resolve())),
});
