import type { RemotePeer } from './remote-peer.js';

/** A participant left the call. */
export class RtcPeerLeftEvent extends Event {
  /** The participant that left. */
  readonly peer: RemotePeer;

  constructor(peer: RemotePeer) {
    super('rtc-peer-left', { bubbles: true, composed: true });
    this.peer = peer;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-peer-left': RtcPeerLeftEvent;
  }
}
