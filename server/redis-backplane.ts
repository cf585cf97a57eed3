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
  /** Ms {@link RedisBackplane.start} keeps trying to reach Redis before it gives up. Default 10 000. */
  startTimeout?: number;
  /** Ms a join may take (Redis round trips and its own announcement coming back) before it fails. Default 3 000. */
  joinTimeout?: number;
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
  /**
   * Set when a resync did not find it in Redis and its node had not come back yet (Redis restarted empty): kept
   * until then (ms timestamp), since its node puts it back when it resyncs. Removed after, if still missing.
   */
  unconfirmed?: number;
}

/** A join waiting for its own announcement to come back on the room's channel. */
interface Waiter {
  id: string;
  seq: number;
  resolve: () => void;
}

/** What this node knows of a room it has members in (or is joining). */
interface View {
  /** The last membership event applied. */
  seq: number;
  members: Map<string, Member>;
  /** Local members, joins in progress and leaves not yet done; the room is unsubscribed when it falls to 0. */
  interest: number;
  /** Resolves once the snapshot is loaded (rejects if it could not be). */
  ready: Promise<void>;
  /** Set once a snapshot has been applied: later ones tell the relay what changed. */
  loaded: boolean;
  /** Events that arrived while a snapshot was loading; replayed after it. */
  early?: RoomEvent[];
  waiters: Waiter[];
  /** This node's peers in the room (joined or joining) and their meta: what a resync puts back into Redis. */
  local: Map<string, PeerMeta>;
  /** This node's peers whose leave has not reached Redis yet: a resync removes them. */
  leaving: Set<string>;
}

/** Thrown (and rejected with) when Redis cannot be reached: the relay answers `unavailable`. */
export class BackplaneUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackplaneUnavailableError';
  }
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
  redis.call('PEXPIRE', KEYS[1] .. ':nodes', ARGV[3])
  return count
end
`;

/** ARGV 4–7: id, node, meta JSON, cap. Returns the join's sequence number, or 0 when the room is full. */
const JOIN = `${REAP}
if reap() >= tonumber(ARGV[7]) then return 0 end
local seq = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], ARGV[4], ARGV[5] .. ' ' .. seq .. ' ' .. ARGV[6])
redis.call('SADD', KEYS[1] .. ':nodes', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1] .. ':nodes', ARGV[3])
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

/**
 * Puts this node's part of a room back as it is (after Redis lost it, or missed a leave), then reads the room.
 * ARGV 4: node; 5: other nodes to check, space-separated; then id, meta JSON pairs: this node's peers. Marks the
 * node alive first, so no other node's reap removes what it puts back. This node's other records leave; missing
 * ones join again, past the cap (they were admitted). Returns the members (HGETALL), the sequence number and
 * which of the nodes to check are alive and have put their part of this room back (listed in `rtc:room:R:nodes`
 * by their sync or a join), all at one instant.
 */
const SYNC = `
redis.call('SET', ARGV[2] .. ARGV[4], '1', 'PX', ARGV[3])
local synced = KEYS[1] .. ':nodes'
local alive = {}
for node in string.gmatch(ARGV[5], '%S+') do
  if redis.call('SISMEMBER', synced, node) == 1 and redis.call('EXISTS', ARGV[2] .. node) == 1 then
    table.insert(alive, node)
  end
end
redis.call('SADD', synced, ARGV[4])
local mine = {}
for i = 6, #ARGV, 2 do mine[ARGV[i]] = ARGV[i + 1] end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  local node = string.match(all[i + 1], '^(%S+)')
  if node == ARGV[4] and mine[all[i]] == nil then
    redis.call('HDEL', KEYS[1], all[i])
    local seq = redis.call('INCR', KEYS[2])
    redis.call('PUBLISH', ARGV[1], '{"t":"leave","id":"' .. all[i] .. '","node":"' .. node .. '","seq":' .. seq .. '}')
  end
end
for i = 6, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 0 then
    local seq = redis.call('INCR', KEYS[2])
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[4] .. ' ' .. seq .. ' ' .. ARGV[i + 1])
    redis.call('PUBLISH', ARGV[1], '{"t":"join","id":"' .. ARGV[i] .. '","node":"' .. ARGV[4] .. '","seq":' .. seq ..
      ',"meta":' .. ARGV[i + 1] .. '}')
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PEXPIRE', synced, ARGV[3])
return {redis.call('HGETALL', KEYS[1]), redis.call('GET', KEYS[2]) or '0', alive}
`;

/**
 * Publishes a signal for ARGV 4 (the target's id) if its node is listening: 1 when sent, 0 when the target or its
 * node is not reachable through Redis right now. ARGV 2: live-channel prefix; ARGV 5: the event.
 */
const SIGNAL = `
local value = redis.call('HGET', KEYS[1], ARGV[4])
if not value then return 0 end
local node = string.match(value, '^(%S+)')
if redis.call('PUBSUB', 'NUMSUB', ARGV[2] .. node)[2] == 0 then return 0 end
redis.call('PUBLISH', ARGV[1], ARGV[5])
return 1
`;

type Script<R = number> = (
  hash: string,
  seq: string,
  channel: string,
  prefix: string,
  ttl: number | string,
  ...args: string[]
) => Promise<R>;

/**
 * Rooms shared by many relay nodes through one Redis.
 *
 * - Membership: a hash per room (`rtc:room:R`: peer id → node, sequence, meta), changed only by Lua scripts,
 *   so the room cap holds across nodes. Each change takes the room's next sequence number and is published on
 *   the room's channel by the same script, so every node sees the changes in the order they happened.
 * - Routing: pub/sub per room. A node subscribes to the channels of the rooms it has members in, and publishes
 *   signals for a peer on another node there; the node holding the peer delivers. One channel per room keeps
 *   announcements and signals in one order: a peer is announced before its first signal arrives. A signal is
 *   published only if the target's node is subscribed (to its `rtc:live:N` channel); otherwise it fails.
 * - Liveness: each node refreshes `rtc:node:N` and the keys of its rooms every ttl/3. When a node stops, its key
 *   expires, and the next refresh by any node sharing a room removes its peers and announces `peer-left`.
 * - Faults: commands fail at once while Redis is unreachable (no offline queue): a join or signal then fails
 *   with {@link BackplaneUnavailableError}, and {@link RedisBackplane.healthy} is false. Whenever both
 *   connections are back, every room is resynced: this node's peers are put back (Redis may have restarted
 *   empty), leaves it missed are done, and the room is read again and compared with what the relay was told.
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
  #sync!: Script<[string[], string, string[]]>;
  #send!: Script;
  /** Whether every room has been resynced since both connections were last (re)established. */
  #synced = false;
  #started = false;
  #closed = false;
  /** A resync is running; `#again` asks for another one after it. */
  #resyncing = false;
  #again = false;
  #lastError = '';

  constructor(options: RedisBackplaneOptions) {
    this.#options = options;
    this.#prefix = options.prefix ?? 'rtc:';
    this.node = options.node ?? randomBytes(9).toString('base64url');
    const connect = (): Redis => {
      // No offline queue and no retry per command: while Redis is away a command fails at once (the relay answers
      // `unavailable`) instead of waiting, and one in flight when the connection drops fails rather than running
      // twice. The connection itself reconnects by itself.
      const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
      // Without a listener an unreachable Redis would crash the process.
      redis.on('error', (error: Error) => {
        if (error.message !== this.#lastError) options.log.warn({ err: error.message }, 'redis error');
        this.#lastError = error.message;
      });
      redis.on('close', () => {
        if (this.#started && this.#synced && !this.#closed) options.log.warn('redis connection lost: backplane down');
        this.#synced = false;
      });
      redis.on('ready', () => {
        this.#lastError = '';
        if (this.#started) this.#resync();
      });
      return redis;
    };
    this.#redis = connect();
    this.#subscriber = connect();
  }

  /**
   * Connects, retrying for up to `startTimeout` ms.
   *
   * @throws {BackplaneUnavailableError} when Redis could not be reached in that time.
   */
  async start(sink: BackplaneSink): Promise<void> {
    this.#sink = sink;
    const timeout = this.#options.startTimeout ?? 10_000;
    const ready = (redis: Redis): Promise<void> =>
      redis.status === 'ready' ? Promise.resolve() : new Promise((resolve) => redis.once('ready', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeout)));
    // A failed first attempt rejects connect(); ioredis goes on retrying, and 'ready' says when one worked.
    for (const redis of [this.#redis, this.#subscriber]) redis.connect().catch(() => {});
    const up = await Promise.race([
      Promise.all([ready(this.#redis), ready(this.#subscriber)]).then(() => true as const),
      gaveUp,
    ]);
    clearTimeout(timer);
    if (!up) {
      this.#redis.disconnect();
      this.#subscriber.disconnect();
      throw new BackplaneUnavailableError(
        `cannot reach Redis at ${redactRedisUrl(this.#options.url)} within ${timeout} ms (${this.#lastError || 'no answer'})`,
      );
    }
    this.#subscriber.on('message', (channel: string, text: string) => this.#onMessage(channel, text));
    const define = <R>(name: string, lua: string): Script<R> => {
      this.#redis.defineCommand(name, { numberOfKeys: 2, lua });
      const command = (this.#redis as unknown as Record<string, Script<R>>)[name]!;
      return command.bind(this.#redis);
    };
    this.#join = define('rtcJoin', JOIN);
    this.#leave = define('rtcLeave', LEAVE);
    this.#tick = define('rtcTick', TICK);
    this.#sync = define('rtcSync', SYNC);
    this.#send = define('rtcSignal', SIGNAL);
    // Subscribers to this channel prove that this node listens: a signal for its peers is published only then.
    await this.#subscriber.subscribe(this.#liveChannel(this.node));
    await this.#refresh();
    this.#timer = setInterval(() => void this.#refresh(), Math.max(30, Math.floor(this.#options.ttl / 3)));
    this.#timer.unref();
    this.#started = true;
    this.#synced = true;
    this.#options.log.info({ node: this.node }, 'redis backplane ready');
  }

  /** Whether Redis is reachable and every room is in sync with it: `/healthz` answers 503 when not. */
  healthy(): boolean {
    return this.#synced && this.#redis.status === 'ready' && this.#subscriber.status === 'ready';
  }

  /** @throws {BackplaneUnavailableError} (rejects) when Redis is down or the join does not complete in time. */
  async join(room: string, peer: PeerInfo, cap: number): Promise<BackplaneJoin> {
    if (!this.healthy()) throw new BackplaneUnavailableError('the Redis backplane is down');
    const view = this.#acquire(room);
    let timer: NodeJS.Timeout | undefined;
    const timeout = this.#options.joinTimeout ?? 3000;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BackplaneUnavailableError(`join not confirmed by Redis within ${timeout} ms`)),
        timeout,
      );
    });
    const attempt = { cancelled: false };
    try {
      const joined = await Promise.race([this.#joinSteps(room, view, peer, cap, attempt), late]);
      if (joined) return { ok: true, peers: this.peers(room, peer.id) };
      view.local.delete(peer.id);
      this.#release(room);
      return { ok: false };
    } catch (error) {
      // It may have reached Redis: take it out again (now, or at the next resync).
      attempt.cancelled = true;
      view.local.delete(peer.id);
      view.waiters = view.waiters.filter((waiter) => waiter.id !== peer.id);
      this.#remove(room, view, peer.id);
      throw error instanceof BackplaneUnavailableError
        ? error
        : new BackplaneUnavailableError(`redis join failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The Redis part of a join: false when the room is full. Once `attempt` is cancelled (timed out), a no-op. */
  async #joinSteps(
    room: string,
    view: View,
    peer: PeerInfo,
    cap: number,
    attempt: { cancelled: boolean },
  ): Promise<boolean> {
    await view.ready;
    if (attempt.cancelled) return false;
    // From here a resync puts it back if Redis loses it (not before: the room's first load would add it too).
    view.local.set(peer.id, peer.meta);
    const seq = await this.#join(
      ...this.#keys(room),
      this.#options.ttl,
      peer.id,
      this.node,
      JSON.stringify(peer.meta),
      String(cap),
    );
    if (!seq) return false;
    if (attempt.cancelled) {
      // The join gave up while the script ran: undo it (if this fails, the next resync removes the record).
      this.#leave(...this.#keys(room), this.#options.ttl, peer.id).catch(() => {});
      return false;
    }
    // Once our own event is back, every change before it has been applied: the view is the room at our join.
    // A resync also settles it (the event may have been lost with the subscriber's connection).
    await new Promise<void>((resolve) => {
      if (view.seq >= seq) resolve();
      else view.waiters.push({ id: peer.id, seq, resolve });
    });
    return true;
  }

  leave(room: string, id: string): void {
    const view = this.#views.get(room);
    if (!view) return;
    view.local.delete(id);
    this.#remove(room, view, id);
  }

  /** Removes this node's `id` from Redis, then gives up its interest; if Redis is down, the next resync does. */
  #remove(room: string, view: View, id: string): void {
    view.leaving.add(id);
    const done = (): void => {
      if (view.leaving.delete(id)) this.#release(room);
    };
    this.#leave(...this.#keys(room), this.#options.ttl, id).then(done, (error: unknown) => {
      this.#options.log.warn({ err: (error as Error).message, room }, 'redis leave failed; retried at resync');
      // Redis may be up and have failed this one only: a resync does it, and is cheap.
      if (this.healthy()) this.#resync();
    });
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

  /** @throws {BackplaneUnavailableError} (rejects) when the signal could not be handed to the target's node. */
  async signal(room: string, from: string, to: string, data: Json): Promise<void> {
    const event: RoomEvent = { t: 'signal', from, to, data };
    let sent: number;
    try {
      const [hash, seq, channel] = this.#keys(room);
      sent = await this.#send(hash, seq, channel, `${this.#prefix}live:`, '0', to, JSON.stringify(event));
    } catch (error) {
      throw new BackplaneUnavailableError(`redis publish failed: ${(error as Error).message}`);
    }
    if (!sent) throw new BackplaneUnavailableError(`the node of peer "${to}" is not reachable through Redis`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    // Gone at once rather than at the TTL: the other nodes' next refresh removes any peer still listed here.
    await this.#redis.del(`${this.#prefix}node:${this.node}`).catch(() => {});
    this.#views.clear();
    await Promise.allSettled([this.#redis.quit(), this.#subscriber.quit()]);
    this.#redis.disconnect();
    this.#subscriber.disconnect();
  }

  #channel(room: string): string {
    return `${this.#prefix}room:${room}`;
  }

  #liveChannel(node: string): string {
    return `${this.#prefix}live:${node}`;
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
    const view: View = {
      seq: 0,
      members: new Map(),
      interest: 1,
      loaded: false,
      waiters: [],
      local: new Map(),
      leaving: new Set(),
      ready: Promise.resolve(),
    };
    this.#views.set(room, view);
    view.ready = this.#load(room, view);
    // A join awaits it; a failed load is retried by the next resync.
    view.ready.catch(() => {});
    return view;
  }

  /**
   * Subscribes to `room`, puts this node's part of it back into Redis and reads it; tells the relay who came and
   * went since the last load, and settles the joins and leaves that were waiting on it.
   */
  async #load(room: string, view: View): Promise<void> {
    // Subscribe first: whatever happens after the snapshot then reaches us as an event.
    view.early ??= [];
    try {
      await this.#subscriber.subscribe(this.#channel(room));
      const local = [...view.local].flatMap(([id, meta]) => [id, JSON.stringify(meta)]);
      const nodes = new Set([...view.members.values()].map((member) => member.node));
      nodes.delete(this.node);
      const [flat, seq, alive] = await this.#sync(
        ...this.#keys(room),
        this.#options.ttl,
        this.node,
        [...nodes].join(' '),
        ...local,
      );
      if (this.#views.get(room) !== view) return;
      const snapshot = new Map<string, Member>();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const member = parseMember(flat[i + 1]!);
        if (member) snapshot.set(flat[i]!, member);
      }
      const notify = view.loaded;
      view.loaded = true;
      const now = Date.now();
      for (const [id, member] of view.members) {
        if (snapshot.has(id)) continue;
        // Its node has not resynced yet (Redis restarted empty): not gone, only not back yet, for up to a TTL.
        if (member.node !== this.node && !alive.includes(member.node) && (member.unconfirmed ?? Infinity) > now) {
          member.unconfirmed ??= now + this.#options.ttl;
          continue;
        }
        view.members.delete(id);
        if (notify && member.node !== this.node) this.#sink?.left(room, id);
      }
      for (const [id, member] of snapshot) {
        const known = view.members.has(id);
        view.members.set(id, member);
        if (!known && notify && member.node !== this.node) this.#sink?.joined(room, { id, meta: member.meta });
      }
      // After a restart the sequence starts again, below what this view had seen: the snapshot's number wins.
      view.seq = Number(seq);
      const early = view.early ?? [];
      view.early = undefined;
      for (const event of early) this.#apply(room, view, event);
      const settled = view.waiters.filter((waiter) => waiter.seq <= view.seq || view.members.has(waiter.id));
      view.waiters = view.waiters.filter((waiter) => !settled.includes(waiter));
      for (const waiter of settled) waiter.resolve();
      // The sync removed every record of ours that is not local: those leaves are done.
      for (const id of [...view.leaving]) if (!view.local.has(id) && view.leaving.delete(id)) this.#release(room);
    } catch (error) {
      view.early = undefined;
      throw error;
    }
  }

  /** Resyncs every room, once both connections are up; one run at a time, another if asked meanwhile. */
  #resync(): void {
    if (this.#closed || this.#redis.status !== 'ready' || this.#subscriber.status !== 'ready') return;
    if (this.#resyncing) {
      this.#again = true;
      return;
    }
    this.#resyncing = true;
    void (async () => {
      do {
        this.#again = false;
        try {
          await this.#subscriber.subscribe(this.#liveChannel(this.node));
          await Promise.all([...this.#views].map(([room, view]) => (view.ready = this.#load(room, view))));
          this.#synced = this.#redis.status === 'ready' && this.#subscriber.status === 'ready';
          if (this.#synced) this.#options.log.warn({ rooms: this.#views.size }, 'redis backplane resynced');
        } catch (error) {
          this.#synced = false;
          // The next refresh tries again, or the next reconnect.
          this.#options.log.warn({ err: (error as Error).message }, 'redis resync failed');
        }
      } while (this.#again && !this.#closed);
      this.#resyncing = false;
    })();
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
      // Known already when a resync put it back: no second announcement.
      const known = view.members.has(event.id);
      view.members.set(event.id, { node: event.node, seq: event.seq, meta: event.meta });
      if (event.node !== this.node && !known) this.#sink?.joined(room, { id: event.id, meta: event.meta });
    } else if (view.members.delete(event.id) && event.node !== this.node) this.#sink?.left(room, event.id);
    const ready = view.waiters.filter((waiter) => waiter.seq <= view.seq);
    if (ready.length === 0) return;
    view.waiters = view.waiters.filter((waiter) => waiter.seq > view.seq);
    for (const waiter of ready) waiter.resolve();
  }

  /**
   * Keeps this node and its rooms alive, and removes the peers of nodes that are not; retries a failed resync,
   * and reloads rooms whose unconfirmed members are due.
   */
  async #refresh(): Promise<void> {
    if (this.#started && !this.#synced) this.#resync();
    else if (this.#synced) {
      const now = Date.now();
      for (const [room, view] of this.#views)
        if ([...view.members.values()].some((member) => (member.unconfirmed ?? Infinity) <= now))
          (view.ready = this.#load(room, view)).catch(() => {});
    }
    try {
      const pipeline = this.#redis.pipeline().set(`${this.#prefix}node:${this.node}`, '1', 'PX', this.#options.ttl);
      await pipeline.exec();
      await Promise.all([...this.#views.keys()].map((room) => this.#tick(...this.#keys(room), this.#options.ttl)));
    } catch (error) {
      this.#options.log.debug({ err: (error as Error).message }, 'redis refresh failed');
    }
  }
}

/** `url` without its password, for messages. */
function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'the configured URL';
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
