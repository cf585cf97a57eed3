import type { RemotePeer } from './remote-peer.js';

/** Media with a participant flows: its peer connection is connected. */
export class RtcPeerConnectedEvent extends Event {
  /** The participant whose media now flows. */
  readonly peer: RemotePeer;

  constructor(peer: RemotePeer) {
    super('rtc-peer-connected', { bubbles: true, composed: true });
    this.peer = peer;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-peer-connected': RtcPeerConnectedEvent;
  }
}
