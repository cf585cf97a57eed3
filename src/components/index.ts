/**
 * The element classes, without registering them: for scoped registries, or to define them under other names.
 *
 * @module
 */
export { RtcCall } from './call/call.js';
export { RtcChat } from './chat/chat.js';
export { RtcControls } from './controls/controls.js';
export { RtcInspector } from './inspector/inspector.js';
export { RtcStats, type CandidateType, type PeerStats, type StatsSample } from './stats/stats.js';
export { RtcVideo } from './video/video.js';
export { CallController, shallowEqual } from './call-controller.js';
export { callContext } from './context.js';
