import { RtcCall } from './call.js';

if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
