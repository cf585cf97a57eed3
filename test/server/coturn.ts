/**
 * Test helpers for TURN: start a real coturn (`turnserver`, Debian package `coturn`) on free loopback ports,
 * and a minimal TURN client that checks credentials with an Allocate (RFC 5766 over UDP, long-term
 * credentials of RFC 5389).
 *
 * @example
 * const turn = await startCoturn({ secret: 's3cret' });
 * // turn.url === 'turn:127.0.0.1:40123?transport=udp'
 * await turn.stop();
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where `turnserver` is: on PATH, or where Debian's coturn puts it. `undefined` when it is not installed. */
export function findTurnserver(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  return dirs.map((dir) => join(dir, 'turnserver')).find((path) => existsSync(path));
}

/** A free UDP port on 127.0.0.1 (the kernel picks it; it is released for the caller to bind). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** A running coturn. */
export interface Coturn {
  host: string;
  port: number;
  /** `turn:127.0.0.1:PORT?transport=udp`, for `--turn-url` or `iceServers`. */
  url: string;
  realm: string;
  process: ChildProcess;
  /** What it has logged so far. */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts `turnserver` with `--use-auth-secret --static-auth-secret=SECRET` on loopback (UDP and TCP, no TLS or
 * DTLS), relaying on loopback too, and resolves once it says its servers are up.
 */
export async function startCoturn({
  secret,
  realm = 'rtc-kit.test',
}: {
  secret: string;
  realm?: string;
}): Promise<Coturn> {
  const binary = findTurnserver();
  if (!binary) throw new Error('turnserver not found: install the coturn package (apt-get install coturn)');
  const port = await freeUdpPort();
  const relayStart = await freeUdpPort();
  const dir = mkdtempSync(join(tmpdir(), 'rtc-coturn-'));
  const child = spawn(
    binary,
    [
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      `--realm=${realm}`,
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${relayStart}`,
      `--max-port=${Math.min(65535, relayStart + 50)}`,
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '-n',
      '--log-file',
      'stdout',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes('Total General servers')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`turnserver exited (${code}) before it was ready:\n${output}`)));
  });
  await ready;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    host: '127.0.0.1',
    port,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    realm,
    process: child,
    log: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const MAGIC = 0x2112a442;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  realm: 0x0014,
  nonce: 0x0015,
  requestedTransport: 0x0019,
} as const;

function attribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

/** A STUN message of `type`; with `key`, ends with MESSAGE-INTEGRITY over everything before it. */
function message(type: number, id: Buffer, attributes: Buffer[], key?: Buffer): Buffer {
  const body = Buffer.concat(attributes);
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC, 4);
  id.copy(header, 8);
  const unsigned = Buffer.concat([header, body]);
  if (!key) return unsigned;
  return Buffer.concat([unsigned, attribute(ATTR.messageIntegrity, createHmac('sha1', key).update(unsigned).digest())]);
}

function parse(packet: Buffer): { type: number; id: Buffer; attributes: Map<number, Buffer> } {
  const attributes = new Map<number, Buffer>();
  const length = packet.readUInt16BE(2);
  for (let offset = 20; offset + 4 <= 20 + length;) {
    const type = packet.readUInt16BE(offset);
    const size = packet.readUInt16BE(offset + 2);
    attributes.set(type, packet.subarray(offset + 4, offset + 4 + size));
    offset += 4 + Math.ceil(size / 4) * 4;
  }
  return { type: packet.readUInt16BE(0), id: packet.subarray(8, 20), attributes };
}

/** Sends `request` until the answer with its transaction id arrives (UDP: retransmits, RFC 5389 §7.2.1). */
function transact(socket: Socket, host: string, port: number, request: Buffer): Promise<ReturnType<typeof parse>> {
  const id = request.subarray(8, 20);
  return new Promise((resolve, reject) => {
    let tries = 0;
    let timer: NodeJS.Timeout | undefined;
    const send = (): void => {
      if (tries++ === 7) {
        socket.off('message', onMessage);
        return reject(new Error(`no STUN answer from ${host}:${port}`));
      }
      socket.send(request, port, host);
      timer = setTimeout(send, 100 * 2 ** tries);
    };
    const onMessage = (packet: Buffer): void => {
      const answer = parse(packet);
      if (!answer.id.equals(id)) return;
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(answer);
    };
    socket.on('message', onMessage);
    send();
  });
}

/**
 * Asks a TURN server for a UDP relay allocation with long-term credentials. Resolves `{ ok: true }` when it
 * grants one, or `{ ok: false, code }` with the STUN error code (401 for bad credentials).
 *
 * @example
 * await turnAllocate({ host: '127.0.0.1', port, username, credential }); // { ok: true }
 */
export async function turnAllocate({
  host,
  port,
  username,
  credential,
}: {
  host: string;
  port: number;
  username: string;
  credential: string;
}): Promise<{ ok: true } | { ok: false; code: number }> {
  // One socket for both requests: coturn ties the nonce to the client's address and port.
  const socket = createSocket('udp4');
  try {
    return await allocate(socket, host, port, username, credential);
  } finally {
    socket.close();
  }
}

async function allocate(
  socket: Socket,
  host: string,
  port: number,
  username: string,
  credential: string,
): Promise<{ ok: true } | { ok: false; code: number }> {
  const transport = attribute(ATTR.requestedTransport, Buffer.from([17, 0, 0, 0]));
  // The first Allocate, without credentials, earns the realm and a nonce (a 401 challenge).
  const challenge = await transact(socket, host, port, message(0x0003, randomBytes(12), [transport]));
  const realm = challenge.attributes.get(ATTR.realm);
  const nonce = challenge.attributes.get(ATTR.nonce);
  if (!realm || !nonce) throw new Error('the TURN server sent no realm and nonce');
  const key = createHash('md5').update(`${username}:${realm.toString()}:${credential}`).digest();
  const answer = await transact(
    socket,
    host,
    port,
    message(
      0x0003,
      randomBytes(12),
      [
        transport,
        attribute(ATTR.username, Buffer.from(username)),
        attribute(ATTR.realm, realm),
        attribute(ATTR.nonce, nonce),
      ],
      key,
    ),
  );
  if (answer.type === 0x0103) return { ok: true };
  const error = answer.attributes.get(ATTR.errorCode);
  return { ok: false, code: error ? (error[2]! & 0x7) * 100 + error[3]! : 0 };
}
