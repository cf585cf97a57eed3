import type { RemotePeer } from './remote-peer.js';

/** A participant joined the call. */
export class RtcPeerJoinedEvent extends Event {
  /** The participant's key, and what it published about itself (`meta.name`…). */
  readonly peer: RemotePeer;

  constructor(peer: RemotePeer) {
    super('rtc-peer-joined', { bubbles: true, composed: true });
    this.peer = peer;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-peer-joined': RtcPeerJoinedEvent;
  }
}
