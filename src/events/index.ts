export type { RemotePeer } from './remote-peer.js';
export { RtcErrorEvent } from './rtc-error.js';
export { RtcMessageEvent } from './rtc-message.js';
export { RtcPeerConnectedEvent } from './rtc-peer-connected.js';
export { RtcPeerJoinedEvent } from './rtc-peer-joined.js';
export { RtcPeerLeftEvent } from './rtc-peer-left.js';
export { RtcQualityEvent } from './rtc-quality.js';
export { RtcStateEvent } from './rtc-state.js';
export { RtcStatsEvent } from './rtc-stats.js';
