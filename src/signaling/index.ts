/**
 * The signaling wire protocol, shared by the browser client and `rtc-relay`.
 *
 * @module
 */
export * from './protocol.js';
