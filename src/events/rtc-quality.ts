import type { QualityLevel, QualityMode, QualityReason } from '../machines/quality.machine.js';
import type { RemotePeer } from './remote-peer.js';

/** The quality of the video sent to a participant changed: the network got worse or better, or the app chose. */
export class RtcQualityEvent extends Event {
  /** The participant the video goes to. */
  readonly peer: RemotePeer;
  /** The new level: `high`, `medium`, `low` or `audio-only`. */
  readonly level: QualityLevel;
  /** Why: `bandwidth`, `loss`, `rtt`, `recovered`, `manual`, or `start` for the first level. */
  readonly reason: QualityReason;
  /** `auto` while the level adapts; the level itself when the app fixed it. */
  readonly mode: QualityMode;

  constructor(peer: RemotePeer, level: QualityLevel, reason: QualityReason, mode: QualityMode) {
    super('rtc-quality', { bubbles: true, composed: true });
    this.peer = peer;
    this.level = level;
    this.reason = reason;
    this.mode = mode;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-quality': RtcQualityEvent;
  }
}
