/**
 * rtc-kit: drop-in web components and an XState connection engine for real-time calls.
 *
 * Importing this module registers every element (`<rtc-call>`, `<rtc-video>`, `<rtc-controls>`, `<rtc-chat>`,
 * `<rtc-stats>`, `<rtc-inspector>`). Without registration: `rtc-kit/engine` (the engine alone) and
 * `rtc-kit/components` (the element classes); `rtc-kit/define` registers the elements and exports nothing.
 *
 * @module
 */
import './define.js';

export * from './engine.js';
export * from './components/index.js';
