import { RtcInspector } from './inspector.js';

if (!customElements.get('rtc-inspector')) customElements.define('rtc-inspector', RtcInspector);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-inspector': RtcInspector;
  }
}
