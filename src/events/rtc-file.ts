import type { RemotePeer } from './remote-peer.js';

/** A file arrived whole, its SHA-256 checked (`call.sendFile()` on the other side). */
export class RtcFileEvent extends Event {
  /** The participant that sent it. */
  readonly peer: RemotePeer;
  /** The file, with the sender's name for it. */
  readonly file: File;

  constructor(peer: RemotePeer, file: File) {
    super('rtc-file', { bubbles: true, composed: true });
    this.peer = peer;
    this.file = file;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-file': RtcFileEvent;
  }
}
