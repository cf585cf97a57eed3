/** Something went wrong that the user or the app should know about. Nothing is thrown. */
export class RtcErrorEvent extends Event {
  /** A stable code for programs: `invalid-attribute`, `media-NotAllowedError`, `room-full`… */
  readonly code: string;
  /** A sentence for people. */
  readonly message: string;

  constructor(code: string, message: string) {
    super('rtc-error', { bubbles: true, composed: true });
    this.code = code;
    this.message = message;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-error': RtcErrorEvent;
  }
}
