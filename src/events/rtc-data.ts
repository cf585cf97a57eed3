import type { RemotePeer } from './remote-peer.js';

/** App data arrived on a data channel (`call.send(data, { channel })` on the other side). */
export class RtcDataEvent extends Event {
  /** The participant that sent it. */
  readonly peer: RemotePeer;
  /** The channel it came on, e.g. `data`. */
  readonly channel: string;
  /** What was sent: a string, a JSON value, or an `ArrayBuffer`. */
  readonly data: unknown;

  constructor(peer: RemotePeer, channel: string, data: unknown) {
    super('rtc-data', { bubbles: true, composed: true });
    this.peer = peer;
    this.channel = channel;
    this.data = data;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-data': RtcDataEvent;
  }
}
