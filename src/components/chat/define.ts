import { RtcChat } from './chat.js';

if (!customElements.get('rtc-chat')) customElements.define('rtc-chat', RtcChat);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-chat': RtcChat;
  }
}
