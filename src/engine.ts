/**
 * rtc-kit's engine alone: `createCall`, the machines, the signaling protocol, the recorder and the typed events,
 * with no element and no side effect. Import it as `rtc-kit/engine` in an app that draws its own UI; a bundler
 * keeps only what the app uses.
 *
 * @example
 * import { createCall } from 'rtc-kit/engine';
 * const call = createCall({ server: 'wss://relay.example/signal', room: 'standup' });
 *
 * @module
 */
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
export { FileTransfer, type FileTransferEventMap } from './file-transfer.js';
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
export * from './events/index.js';
