import type { RemotePeer } from './remote-peer.js';

/** A chat message arrived (or was sent from this page). */
export class RtcMessageEvent extends Event {
  /** Who sent it: a participant, or `local` for a message this page sent. */
  readonly peer: RemotePeer | 'local';
  /** The message text. */
  readonly text: string;
  /** When it was sent, in ms since the epoch (the sender's clock). */
  readonly time: number;

  constructor(peer: RemotePeer | 'local', text: string, time: number) {
    super('rtc-message', { bubbles: true, composed: true });
    this.peer = peer;
    this.text = text;
    this.time = time;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-message': RtcMessageEvent;
  }
}
