import type { PeerStats } from '../components/stats/sample.js';

/** `<rtc-stats>` read the connection statistics again: the figures and the last minute of history, per participant. */
export class RtcStatsEvent extends Event {
  /** Per participant key: the name, the latest sample and the samples of the last 60 s, oldest first. */
  readonly stats: Readonly<Record<string, PeerStats>>;

  constructor(stats: Readonly<Record<string, PeerStats>>) {
    super('rtc-stats', { bubbles: true, composed: true });
    this.stats = stats;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-stats': RtcStatsEvent;
  }
}
