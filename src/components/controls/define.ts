import { RtcControls } from './controls.js';

if (!customElements.get('rtc-controls')) customElements.define('rtc-controls', RtcControls);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-controls': RtcControls;
  }
}
