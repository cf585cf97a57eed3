import { RtcVideo } from './video.js';

if (!customElements.get('rtc-video')) customElements.define('rtc-video', RtcVideo);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-video': RtcVideo;
  }
}
