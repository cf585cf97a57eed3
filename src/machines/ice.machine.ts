import { assign, setup } from 'xstate';

/** The kind of a local or remote ICE candidate. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** The candidate pair ICE selected: how media really travels. */
export interface CandidatePair {
  local: CandidateType;
  remote: CandidateType;
  /** `udp` or `tcp`. */
  protocol: string;
  /** Round-trip time on the pair, in seconds, when known. */
  rtt?: number;
}

/** Events the ICE machine takes, forwarded by its peer from the RTCPeerConnection. */
export type IceEvent =
  | { type: 'ice.gathering'; state: RTCIceGatheringState }
  | { type: 'ice.connection'; state: RTCIceConnectionState }
  | { type: 'ice.pair'; pair: CandidatePair };

export interface IceContext {
  pair?: CandidatePair;
}

const GATHERING = ['new', 'gathering', 'complete'] as const;
const CONNECTION = ['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed'] as const;

/** One transition per state the browser can report: `ice.connection` with `state: 'checking'` → `.checking`. */
const follow = (states: readonly string[]) =>
  states.map((state) => ({ guard: { type: 'reports', params: { state } } as const, target: `.${state}` }));

/**
 * ICE, as the UI and the inspector see it: a child of each peer. Two parallel regions mirror the
 * RTCPeerConnection's `iceGatheringState` and `iceConnectionState`, and `context.pair` says which candidate
 * pair carries the media (host, srflx or relay on each side).
 */
export const iceMachine = setup({
  types: { context: {} as IceContext, events: {} as IceEvent },
  guards: {
    reports: ({ event }, { state }: { state: string }) => 'state' in event && event.state === state,
  },
}).createMachine({
  id: 'ice',
  type: 'parallel',
  context: {},
  on: {
    'ice.pair': { actions: assign({ pair: ({ event }) => event.pair }) },
  },
  states: {
    gathering: {
      initial: 'new',
      on: { 'ice.gathering': follow(GATHERING) },
      states: Object.fromEntries(GATHERING.map((state) => [state, {}])),
    },
    connection: {
      initial: 'new',
      on: { 'ice.connection': follow(CONNECTION) },
      states: Object.fromEntries(CONNECTION.map((state) => [state, {}])),
    },
  },
});
