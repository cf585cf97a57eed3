import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Json, PeerInfo, PeerMeta } from '../src/signaling/protocol.js';
import type { Backplane, BackplaneJoin, BackplaneSink } from './backplane.js';

/** Options of {@link RedisBackplane}. */
export interface RedisBackplaneOptions {
  /** `redis://host:6379` (or `rediss://` for TLS). */
  url: string;
  /** Ms this node's records live without a refresh. They are refreshed every third of it. */
  ttl: number;
  log: Logger;
  /** Key and channel prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** This node's id; random by default. */
  node?: string;
}

/** A room event on the room's channel. `join` and `leave` carry the room's sequence number. */
type RoomEvent =
  | { t: 'join'; id: string; node: string; seq: number; meta: PeerMeta }
  | { t: 'leave'; id: string; node: string; seq: number }
  | { t: 'signal'; from: string; to: string; data: Json };

/** One member as this node knows it. */
interface Member {
  node: string;
  seq: number;
  meta: PeerMeta;
}

/** What this node knows of a room it has members in (or is joining). */
interface View {
  /** The last membership event applied. */
  seq: number;
  members: Map<string, Member>;
  /** Local members and joins in progress; the room is unsubscribed when it falls to 0. */
  interest: number;
  /** Resolves once the snapshot is loaded. */
  ready: Promise<void>;
  /** Events that arrived before the snapshot; replayed after it. */
  early?: RoomEvent[];
  /** Joins waiting for their own event to come back on the channel. */
  waiters: { seq: number; resolve: () => void }[];
}

// Member records are `node seq metaJSON`, so the scripts can read the node without decoding JSON (cjson would
// turn an empty array in meta into an object). Ids, node ids and room names are base64url or [A-Za-z0-9_.-],
// safe to splice into JSON unescaped. KEYS: room hash, room sequence. ARGV: channel, node key prefix, ttl, ...
const REAP = `
local function reap()
  local all = redis.call('HGETALL', KEYS[1])
  local alive = {}
  local count = 0
  for i = 1, #all, 2 do
    local node = string.match(all[i + 1], '^(%S+)')
    if alive[node] == nil then alive[node] = redis.call('EXISTS', ARGV[2] .. node) == 1 end
    if alive[node] then
      count = count + 1
    else
      redis.call('HDEL', KEYS[1], all[i])
      local seq = redis.call('INCR', KEYS[2])
      redis.call('PUBLISH', ARGV[1],
        '{"t":"leave","id":"' .. all[i] .. '","node":"' .. node .. '","seq":' .. seq .. '}')
    end
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return count
end
`;

/** ARGV 4–7: id, node, meta JSON, cap. Returns the join's sequence number, or 0 when the room is full. */
const JOIN = `${REAP}
if reap() >= tonumber(ARGV[7]) then return 0 end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5] .. ' ' .. seq .. ' ' .. ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[1], '{"t":"join","id":"' .. ARGV[4] .. '","node":"' .. ARGV[5] .. '","seq":' .. seq ..
  ',"meta":' .. ARGV[6] .. '}')
return seq
`;

/** ARGV 4: id. */
const LEAVE = `
local value = redis.call('HGET', KEYS[1], ARGV[4])
if not value then return 0 end
redis.call('HDEL', KEYS[1], ARGV[4])
local seq = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], '{"t":"leave","id":"' .. ARGV[4] .. '","node":"' .. string.match(value, '^(%S+)') ..
  '","seq":' .. seq .. '}')
return seq
`;

/** Refreshes a room's keys and removes the members of dead nodes. */
const TICK = `${REAP}
return reap()
`;

type Script = (
  hash: string,
  seq: string,
  channel: string,
  nodes: string,
  ttl: number,
  ...args: string[]
) => Promise<number>;

/**
 * Rooms shared by many relay nodes through one Redis.
 *
 * - Membership: a hash per room (`rtc:room:R`: peer id → node, sequence, meta), changed only by Lua scripts,
 *   so the room cap holds across nodes. Each change takes the room's next sequence number and is published on
 *   the room's channel by the same script, so every node sees the changes in the order they happened.
 * - Routing: pub/sub per room. A node subscribes to the channels of the rooms it has members in, and publishes
 *   signals for a peer on another node there; the node holding the peer delivers. One channel per room keeps
 *   announcements and signals in one order: a peer is announced before its first signal arrives.
 * - Liveness: each node refreshes `rtc:node:N` and the keys of its rooms every ttl/3. When a node stops, its key
 *   expires, and the next refresh by any node sharing a room removes its peers and announces `peer-left`.
 *
 * @example
 * const relay = new Relay({ redisUrl: 'redis://127.0.0.1:6379' }); // builds a RedisBackplane
 */
export class RedisBackplane implements Backplane {
  /** This node's id. */
  readonly node: string;
  readonly #options: RedisBackplaneOptions;
  readonly #prefix: string;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #views = new Map<string, View>();
  #sink?: BackplaneSink;
  #timer?: NodeJS.Timeout;
  #join!: Script;
  #leave!: Script;
  #tick!: Script;

  constructor(options: RedisBackplaneOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? 'rtc:';
    this.node = options.node ?? randomBytes(9).toString('base64url');
    const connect = (): Redis => {
      const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
      // Without a listener an unreachable Redis would crash the process; ioredis reconnects by itself.
      redis.on('error', (error: Error) => options.log.warn({ err: error.message }, 'redis error'));
      return redis;
    };
    this.#redis = connect();
    this.#subscriber = connect();
  }

  async start(sink: BackplaneSink): Promise<void> {
    this.#sink = sink;
    await Promise.all([this.#redis.connect(), this.#subscriber.connect()]);
    this.#subscriber.on('message', (channel: string, text: string) => this.#onMessage(channel, text));
    const define = (name: string, lua: string): Script => {
      this.#redis.defineCommand(name, { numberOfKeys: 2, lua });
      const command = (this.#redis as unknown as Record<string, Script>)[name]!;
      return command.bind(this.#redis);
    };
    this.#join = define('rtcJoin', JOIN);
    this.#leave = define('rtcLeave', LEAVE);
    this.#tick = define('rtcTick', TICK);
    await this.#refresh();
    this.#timer = setInterval(() => void this.#refresh(), Math.max(30, Math.floor(this.#options.ttl / 3)));
    this.#timer.unref();
    this.#options.log.info({ node: this.node }, 'redis backplane ready');
  }

  async join(room: string, peer: PeerInfo, cap: number): Promise<BackplaneJoin> {
    const view = this.#acquire(room);
    try {
      await view.ready;
      const seq = await this.#join(
        ...this.#keys(room),
        this.#options.ttl,
        peer.id,
        this.node,
        JSON.stringify(peer.meta),
        String(cap),
      );
      if (!seq) {
        this.#release(room);
        return { ok: false };
      }
      // Once our own event is back, every change before it has been applied: the view is the room at our join.
      await new Promise<void>((resolve) => {
        if (view.seq >= seq) resolve();
        else view.waiters.push({ seq, resolve });
      });
      return { ok: true, peers: this.peers(room, peer.id) };
    } catch (error) {
      this.#release(room);
      throw error;
    }
  }

  leave(room: string, id: string): void {
    this.#leave(...this.#keys(room), this.#options.ttl, id).then(
      () => this.#release(room),
      (error: unknown) => {
        this.#options.log.warn({ err: (error as Error).message, room }, 'redis leave failed');
        this.#release(room);
      },
    );
  }

  peers(room: string, except?: string): PeerInfo[] {
    const view = this.#views.get(room);
    if (!view) return [];
    return [...view.members]
      .filter(([id]) => id !== except)
      .sort(([, a], [, b]) => a.seq - b.seq)
      .map(([id, member]) => ({ id, meta: member.meta }));
  }

  has(room: string, id: string): boolean {
    return this.#views.get(room)?.members.has(id) ?? false;
  }

  signal(room: string, from: string, to: string, data: Json): void {
    const event: RoomEvent = { t: 'signal', from, to, data };
    this.#redis.publish(this.#channel(room), JSON.stringify(event)).catch((error: unknown) => {
      this.#options.log.warn({ err: (error as Error).message, room }, 'redis publish failed');
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    // Gone at once rather than at the TTL: the other nodes' next refresh removes any peer still listed here.
    await this.#redis.del(`${this.#prefix}node:${this.node}`).catch(() => {});
    this.#views.clear();
    await Promise.allSettled([this.#redis.quit(), this.#subscriber.quit()]);
  }

  #channel(room: string): string {
    return `${this.#prefix}room:${room}`;
  }

  #keys(room: string): [string, string, string, string] {
    return [`${this.#prefix}room:${room}`, `${this.#prefix}seq:${room}`, this.#channel(room), `${this.#prefix}node:`];
  }

  /** Registers interest in `room`: subscribes and loads its members the first time. */
  #acquire(room: string): View {
    const known = this.#views.get(room);
    if (known) {
      known.interest += 1;
      return known;
    }
    const view: View = { seq: 0, members: new Map(), interest: 1, early: [], waiters: [], ready: Promise.resolve() };
    this.#views.set(room, view);
    view.ready = (async () => {
      // Subscribe first: whatever happens after the snapshot then reaches us as an event.
      await this.#subscriber.subscribe(this.#channel(room));
      const [hash, seq] = this.#keys(room);
      const result = await this.#redis.multi().hgetall(hash).get(seq).exec();
      const members = (result?.[0]?.[1] ?? {}) as Record<string, string>;
      view.seq = Number(result?.[1]?.[1] ?? 0);
      for (const [id, value] of Object.entries(members)) {
        const member = parseMember(value);
        if (member) view.members.set(id, member);
      }
      const early = view.early ?? [];
      view.early = undefined;
      for (const event of early) this.#apply(room, view, event);
    })();
    return view;
  }

  #release(room: string): void {
    const view = this.#views.get(room);
    if (!view || --view.interest > 0) return;
    this.#views.delete(room);
    this.#subscriber.unsubscribe(this.#channel(room)).catch(() => {});
  }

  #onMessage(channel: string, text: string): void {
    const room = channel.slice(`${this.#prefix}room:`.length);
    const view = this.#views.get(room);
    if (!view) return;
    let event: RoomEvent;
    try {
      event = JSON.parse(text) as RoomEvent;
    } catch {
      return;
    }
    if (view.early) view.early.push(event);
    else this.#apply(room, view, event);
  }

  #apply(room: string, view: View, event: RoomEvent): void {
    if (event.t === 'signal') {
      if (view.members.get(event.to)?.node === this.node) this.#sink?.signal(room, event.from, event.to, event.data);
      return;
    }
    if (event.seq <= view.seq) return; // Already in the snapshot.
    view.seq = event.seq;
    if (event.t === 'join') {
      view.members.set(event.id, { node: event.node, seq: event.seq, meta: event.meta });
      if (event.node !== this.node) this.#sink?.joined(room, { id: event.id, meta: event.meta });
    } else if (view.members.delete(event.id) && event.node !== this.node) this.#sink?.left(room, event.id);
    const ready = view.waiters.filter((waiter) => waiter.seq <= view.seq);
    if (ready.length === 0) return;
    view.waiters = view.waiters.filter((waiter) => waiter.seq > view.seq);
    for (const waiter of ready) waiter.resolve();
  }

  /** Keeps this node and its rooms alive, and removes the peers of nodes that are not. */
  async #refresh(): Promise<void> {
    try {
      const pipeline = this.#redis.pipeline().set(`${this.#prefix}node:${this.node}`, '1', 'PX', this.#options.ttl);
      await pipeline.exec();
      await Promise.all([...this.#views.keys()].map((room) => this.#tick(...this.#keys(room), this.#options.ttl)));
    } catch (error) {
      this.#options.log.warn({ err: (error as Error).message }, 'redis refresh failed');
    }
  }
}

function parseMember(value: string): Member | undefined {
  const match = /^(\S+) (\d+) ([\s\S]*)$/.exec(value);
  if (!match) return undefined;
  try {
    return { node: match[1]!, seq: Number(match[2]), meta: JSON.parse(match[3]!) as PeerMeta };
  } catch {
    return undefined;
  }
}
