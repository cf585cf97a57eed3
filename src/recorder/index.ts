/**
 * The flight recorder and its trace format.
 *
 * @module
 */
export {
  FlightRecorder,
  composeInspectors,
  RECORDER_LIMITS,
  type RecorderLimits,
  type RecorderOptions,
  type TraceOptions,
} from './recorder.js';
export {
  parseTrace,
  TraceFormatError,
  TRACE_FORMAT,
  TRACE_VERSION,
  type StateValue,
  type Trace,
  type TraceActor,
  type TraceEvent,
  type TraceStat,
} from './trace.js';
export {
  describeMachine,
  transitionKey,
  type MachineGraph,
  type StateGraphNode,
  type StateGraphTransition,
} from './graph.js';
export { summariseSdp, summariseCandidate, type SdpSummary, type CandidateSummary } from './sdp.js';
export { toJson, redact, type JsonValue, type RecordedSdp, type RecordedCandidate } from './json.js';
