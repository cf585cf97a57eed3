import type { CallState } from '../call.js';

/** The call's state changed: `idle`, `joining`, `waiting`, `in-call`, `reconnecting`, `leaving`, `ended` or `failed`. */
export class RtcStateEvent extends Event {
  /** The call's new state. */
  readonly state: CallState;

  constructor(state: CallState) {
    super('rtc-state', { bubbles: true, composed: true });
    this.state = state;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-state': RtcStateEvent;
  }
}
