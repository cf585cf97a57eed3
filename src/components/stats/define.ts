import { RtcStats } from './stats.js';

if (!customElements.get('rtc-stats')) customElements.define('rtc-stats', RtcStats);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-stats': RtcStats;
  }
}
