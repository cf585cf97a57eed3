import type { Json, PeerInfo } from '../src/signaling/protocol.js';

/** The answer to {@link Backplane.join}: everyone already in the room, oldest first, or "full". */
export type BackplaneJoin = { ok: true; peers: PeerInfo[] } | { ok: false };

/** What a backplane tells its relay about peers on other nodes. */
export interface BackplaneSink {
  /** A peer on another node joined `room`, where this node has members. */
  joined(room: string, peer: PeerInfo): void;
  /** A peer on another node left `room` (or its node died). */
  left(room: string, id: string): void;
  /** A signal from a peer on another node for `to`, a member of `room` on this node. */
  signal(room: string, from: string, to: string, data: Json): void;
}

/**
 * Room membership and routing between relay nodes. The relay delivers to its own connections itself; the
 * backplane keeps the room list that every node shares, enforces the room cap across nodes, and carries
 * announcements and signals to the other nodes.
 *
 * Calls for one room are made in order, and their effects happen in that order.
 */
export interface Backplane {
  /** Starts, before the relay accepts connections. */
  start(sink: BackplaneSink): Promise<void>;
  /**
   * Adds `peer` to `room` unless it already holds `cap` peers, and announces it to the other nodes. Sync when
   * the answer is at hand (in memory), so a lone relay's join is not deferred. A promise rejects, within a bounded
   * time, when the join could not be done (the relay answers `unavailable`).
   */
  join(room: string, peer: PeerInfo, cap: number): BackplaneJoin | Promise<BackplaneJoin>;
  /** Removes `id` from `room` and announces it to the other nodes; if that fails, retries until it is done. */
  leave(room: string, id: string): void;
  /** Everyone in `room` on every node, oldest first, but `except`. */
  peers(room: string, except?: string): PeerInfo[];
  /** Whether `id` is in `room` on any node. */
  has(room: string, id: string): boolean;
  /**
   * Carries a signal to `to`, a member of `room` on another node. A promise, if any, rejects when the signal
   * could not be handed on (the backplane is down or the target's node does not listen): the relay then answers
   * the sender `unavailable`.
   */
  signal(room: string, from: string, to: string, data: Json): void | Promise<void>;
  /**
   * Whether the backplane can carry joins and signals right now; `GET /healthz` answers 503 while it cannot.
   * Absent: always.
   */
  healthy?(): boolean;
  /** Stops; the relay has closed its connections. */
  close(): Promise<void>;
}

/**
 * The backplane of a relay that runs alone: the rooms live in this process, and there are no other nodes to
 * tell. The default.
 *
 * @example
 * const relay = new Relay({ port: 8787 }); // uses a MemoryBackplane
 */
export class MemoryBackplane implements Backplane {
  readonly #rooms = new Map<string, Map<string, PeerInfo>>();

  start(): Promise<void> {
    return Promise.resolve();
  }

  join(room: string, peer: PeerInfo, cap: number): BackplaneJoin {
    let members = this.#rooms.get(room);
    if (members && members.size >= cap) return { ok: false };
    const peers = this.peers(room);
    if (!members) this.#rooms.set(room, (members = new Map()));
    members.set(peer.id, peer);
    return { ok: true, peers };
  }

  leave(room: string, id: string): void {
    const members = this.#rooms.get(room);
    if (!members?.delete(id)) return;
    if (members.size === 0) this.#rooms.delete(room);
  }

  peers(room: string, except?: string): PeerInfo[] {
    const peers: PeerInfo[] = [];
    for (const peer of this.#rooms.get(room)?.values() ?? []) if (peer.id !== except) peers.push(peer);
    return peers;
  }

  has(room: string, id: string): boolean {
    return this.#rooms.get(room)?.has(id) ?? false;
  }

  signal(): void {
    // Every member is local: the relay never routes a signal here.
  }

  close(): Promise<void> {
    this.#rooms.clear();
    return Promise.resolve();
  }
}
