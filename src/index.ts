/**
 * rtc-kit: drop-in web components and an XState connection engine for real-time calls.
 *
 * Importing this module registers every element (`<rtc-call>`, `<rtc-video>`, `<rtc-controls>`, `<rtc-chat>`, `<rtc-stats>`).
 *
 * @module
 */
import './define.js';

export * from './signaling/index.js';
export { Call, callStateOf, createCall, type CallEventMap, type CallState, type CreateCallOptions } from './call.js';
export {
  callMachine,
  SESSION_META_KEY,
  type CallInput,
  type CallPeer,
  type ChatMessage,
  type MediaState,
  type RelayStatus,
  type StreamQuality,
  type Transfer,
  type VideoConstraints,
} from './machines/call.machine.js';
export { FileTransfer } from './file-transfer.js';
export {
  channelMachine,
  channelSpecs,
  BUILT_IN_CHANNELS,
  type ChannelOptions,
  type ChannelSpec,
} from './machines/channel.machine.js';
export { HIGH_WATER_MARK, MAX_CHUNK, MAX_MESSAGE, DEFAULT_MAX_FILE_SIZE } from './machines/file.transfer.js';
export {
  signalingMachine,
  backoffDelay,
  RECONNECT_DEFAULTS,
  type ReconnectOptions,
  type SignalingInput,
} from './machines/signaling.machine.js';
export {
  relayProbeActor,
  relayProblem,
  probeUrl,
  type RelayProblem,
  type RelayProblemCode,
} from './machines/relay.probe.js';
export { peerMachine, type PeerInput } from './machines/peer.machine.js';
export { iceMachine, type CandidatePair } from './machines/ice.machine.js';
export { mediaMachine } from './machines/media.machine.js';
export {
  qualityMachine,
  judge,
  encodingFor,
  levelOf,
  DEFAULT_LEVELS,
  DEFAULT_THRESHOLDS,
  QUALITY_LEVELS,
  type QualityLevel,
  type QualityMode,
  type QualityReason,
  type QualityThresholds,
  type LevelSettings,
  type QualitySample,
} from './machines/quality.machine.js';
export * from './recorder/index.js';
export * from './components/index.js';
export * from './events/index.js';
