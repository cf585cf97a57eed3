import type { Trace } from '../recorder/trace.js';

/** `<rtc-inspector>` opened a trace file for replay. */
export class RtcTraceOpenEvent extends Event {
  /** The trace now replayed. */
  readonly trace: Trace;
  /** The file's name. */
  readonly fileName: string;

  constructor(trace: Trace, fileName: string) {
    super('rtc-trace-open', { bubbles: true, composed: true });
    this.trace = trace;
    this.fileName = fileName;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-trace-open': RtcTraceOpenEvent;
  }
}
