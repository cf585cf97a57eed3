/**
 * rtc-kit: drop-in web components and an XState connection engine for real-time calls.
 *
 * Importing this module registers every element.
 *
 * @module
 */
export * from './signaling/index.js';
