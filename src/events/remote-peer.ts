import type { PeerMeta } from '../signaling/protocol.js';

/** A participant, as events describe it. */
export interface RemotePeer {
  /** Stable key of the participant for this call (its session id). */
  key: string;
  /** What the participant published when joining, e.g. `{ name: 'Ada' }`. */
  meta: PeerMeta;
}
