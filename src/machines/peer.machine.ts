import { assign, enqueueActions, sendTo, setup, type AnyActorRef } from 'xstate';
import type { Json } from '../signaling/protocol.js';
import {
  channelMachine,
  channelSpecs,
  type ChannelData,
  type ChannelNotification,
  type ChannelSpec,
} from './channel.machine.js';
import { fileTransferActor, type FileEvent } from './file.transfer.js';
import { iceMachine, type IceEvent } from './ice.machine.js';
import {
  peerConnectionActor,
  type PeerConnectionCommand,
  type PeerConnectionEvent,
  type PeerSignal,
} from './peer.connection.js';
import {
  qualityMachine,
  type QualityInput,
  type QualityLevel,
  type QualityMode,
  type QualityNotification,
  type QualityReason,
  type VideoCaps,
} from './quality.machine.js';

/** How a peer adapts the video it sends: passed to its quality actor. */
export type PeerQualityOptions = Partial<
  Pick<QualityInput, 'mode' | 'levels' | 'thresholds' | 'caps' | 'degradationPreference' | 'interval'>
> & {
  /** Runs no quality actor: the browser's own congestion control alone (what `npm run bench:quality` compares). */
  off?: boolean;
};

/** Input of {@link peerMachine}. */
export interface PeerInput {
  /** The remote peer's stable key (its call session id): survives relay reconnects, unlike its relay id. */
  key: string;
  /** Yields on offer collisions. Decided by comparing the two keys, so both sides agree. */
  polite: boolean;
  /** Makes the first offer. */
  initiator: boolean;
  configuration?: RTCConfiguration;
  stream?: MediaStream;
  tracks?: { audio?: MediaStreamTrack | null; video?: MediaStreamTrack | null };
  /** Receives every {@link PeerNotification} (the call). They are also emitted. */
  parent?: AnyActorRef;
  /** ICE restarts tried before `failed`. */
  maxRestarts?: number;
  /** Ms `disconnected` may last before an ICE restart; browsers often recover on their own within it. */
  disconnectedGrace?: number;
  /** Ms one ICE restart may take before the next. */
  restartTimeout?: number;
  /** Ms the first connection may take before an ICE restart. */
  connectTimeout?: number;
  /** Video codecs to prefer, best first. */
  codecs?: string[];
  /** Adaptive quality of the video sent to this peer. */
  quality?: PeerQualityOptions;
  /** Data channels (see `channelSpecs`); the built-in ones when absent. */
  channels?: ChannelSpec[];
  /** Larger incoming files are refused. Default 2 GiB. */
  maxFileSize?: number;
}

export interface PeerContext {
  key: string;
  polite: boolean;
  initiator: boolean;
  configuration: RTCConfiguration;
  stream?: MediaStream;
  tracks: { audio?: MediaStreamTrack | null; video?: MediaStreamTrack | null };
  parent?: AnyActorRef;
  maxRestarts: number;
  disconnectedGrace: number;
  restartTimeout: number;
  connectTimeout: number;
  /** ICE restarts since the last time the peer was connected. */
  restarts: number;
  /** Offer collisions this side rolled back: a measure of glare. */
  rollbacks: number;
  /** The RTCPeerConnection, for stats and data channels. */
  pc?: RTCPeerConnection;
  /** The remote participant's media. */
  remoteStream?: MediaStream;
  codecs?: string[];
  channels: ChannelSpec[];
  maxFileSize?: number;
  quality: PeerQualityOptions;
  /** Set once the quality actor (`quality` child) runs. */
  adapting: boolean;
  /** The level of the video sent to this peer, once its quality actor runs. */
  level?: { level: QualityLevel; reason: QualityReason; mode: QualityMode };
  error?: string;
}

/** Events the peer takes from the call. */
export type PeerCommand =
  | { type: 'peer.signal'; data: PeerSignal }
  | { type: 'peer.replace-track'; kind: 'audio' | 'video'; track: MediaStreamTrack | null }
  | { type: 'peer.add-track'; track: MediaStreamTrack; stream?: MediaStream }
  | { type: 'peer.remove-track'; track: MediaStreamTrack }
  | { type: 'peer.restart' }
  /** Sends on the named data channel (queued until it opens). */
  | { type: 'peer.send'; channel: string; data: ChannelData }
  | { type: 'peer.file.send'; id: string; file: Blob; name: string }
  | { type: 'peer.file.cancel'; id: string }
  | { type: 'peer.quality'; mode: QualityMode }
  | { type: 'peer.caps'; caps: VideoCaps; degradationPreference?: RTCDegradationPreference }
  | { type: 'peer.close' };

/** What a peer tells its parent (and emits). */
export type PeerNotification =
  | { type: 'peer.signal.out'; key: string; data: Json }
  | { type: 'peer.connected'; key: string }
  | { type: 'peer.disconnected'; key: string }
  | { type: 'peer.message'; key: string; channel: string; data: ChannelData }
  /** A message for this peer was lost (its channel's queue was full); `reason` says so. */
  | { type: 'peer.dropped'; key: string; channel: string; reason: string }
  /** A file transfer with this peer started, progressed, finished or failed. */
  | { type: 'peer.file'; key: string; event: FileEvent }
  | { type: 'peer.track'; key: string; track: MediaStreamTrack; stream: MediaStream }
  | { type: 'peer.failed'; key: string; error: string }
  /** A STUN or TURN server refused this peer's connection (401: wrong credentials). */
  | { type: 'peer.ice-error'; key: string; code: number; text: string; url: string }
  | { type: 'peer.quality'; key: string; level: QualityLevel; reason: QualityReason; mode: QualityMode };

const fileNotice = (key: string, event: FileEvent): PeerNotification => ({ type: 'peer.file', key, event });

const toIce = {
  'pc.ice.gathering': 'ice.gathering',
  'pc.ice.connection': 'ice.connection',
  'pc.ice.pair': 'ice.pair',
} as const;

/**
 * One remote participant: an RTCPeerConnection negotiated with perfect negotiation, and its recovery.
 *
 * `negotiating → connecting → connected`; `disconnected` waits a grace period, then `restarting` tries an ICE
 * restart (also straight after `failed`), up to `maxRestarts` times before `failed`; `closed` is final. The
 * `ice` child mirrors ICE gathering, connection and the selected candidate pair.
 */
export const peerMachine = setup({
  types: {
    context: {} as PeerContext,
    input: {} as PeerInput,
    events: {} as PeerCommand | PeerConnectionEvent | QualityNotification | ChannelNotification | FileEvent,
    emitted: {} as PeerNotification,
  },
  actors: {
    connection: peerConnectionActor,
    ice: iceMachine,
    quality: qualityMachine,
    channel: channelMachine,
    files: fileTransferActor,
  },
  actions: {
    notify: enqueueActions(({ context, enqueue }, notification: PeerNotification) => {
      enqueue.emit(notification);
      if (context.parent) enqueue.sendTo(context.parent, notification);
    }),
    command: sendTo('connection', (_, command: PeerConnectionCommand) => command),
    countRestart: assign({ restarts: ({ context }) => context.restarts + 1 }),
    // Runs after countRestart, so the attempt past the last one goes straight to failed without restarting.
    restartIce: enqueueActions(({ context, enqueue }) => {
      if (context.restarts <= context.maxRestarts)
        enqueue.sendTo('connection', { type: 'pc.restart-ice' } satisfies PeerConnectionCommand);
    }),
    resetRestarts: assign({ restarts: 0 }),
    /** One channel actor per data channel but `file`, whose transfers the `files` actor runs. */
    startChannels: enqueueActions(({ context, enqueue, self }) => {
      for (const { name } of context.channels)
        if (name !== 'file') enqueue.spawnChild('channel', { id: `channel:${name}`, input: { name, parent: self } });
    }),
    attachChannel: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'pc.channel') return;
      if (event.name === 'file') enqueue.sendTo('files', { type: 'files.attach', channel: event.channel });
      else if (context.channels.some(({ name }) => name === event.name))
        enqueue.sendTo(`channel:${event.name}`, { type: 'channel.attach', channel: event.channel });
    }),
    sendOnChannel: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'peer.send' || event.channel === 'file') return;
      if (context.channels.some(({ name }) => name === event.channel))
        enqueue.sendTo(`channel:${event.channel}`, { type: 'channel.send', data: event.data });
    }),
    /** Starts adapting the video sent, once its sender exists. */
    startQuality: enqueueActions(({ context, event, enqueue, self }) => {
      if (event.type !== 'pc.sender' || event.kind !== 'video' || context.adapting || context.quality.off) return;
      enqueue.assign({ adapting: true });
      enqueue.spawnChild('quality', {
        id: 'quality',
        input: { ...context.quality, sender: event.sender, parent: self },
      });
    }),
    /** Passes a quality command on to the quality actor, and remembers it for one started later. */
    toQuality: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'peer.quality') {
        enqueue.assign({ quality: { ...context.quality, mode: event.mode } });
        if (context.adapting) enqueue.sendTo('quality', { type: 'quality.set', mode: event.mode });
      } else if (event.type === 'peer.caps') {
        const { caps, degradationPreference } = event;
        enqueue.assign({
          quality: {
            ...context.quality,
            caps: { ...context.quality.caps, ...caps },
            degradationPreference: degradationPreference ?? context.quality.degradationPreference,
          },
        });
        if (context.adapting) enqueue.sendTo('quality', { type: 'quality.caps', caps, degradationPreference });
      }
    }),
  },
  guards: {
    negotiated: ({ event }) => event.type === 'pc.signaling' && event.state === 'stable' && event.remote,
    reports: ({ event }, { state }: { state: RTCPeerConnectionState }) =>
      event.type === 'pc.connection' && event.state === state,
    restartsExhausted: ({ context }) => context.restarts > context.maxRestarts,
  },
  delays: {
    disconnectedGrace: ({ context }) => context.disconnectedGrace,
    restartTimeout: ({ context }) => context.restartTimeout,
    connectTimeout: ({ context }) => context.connectTimeout,
  },
}).createMachine({
  id: 'peer',
  context: ({ input }) => ({
    key: input.key,
    polite: input.polite,
    initiator: input.initiator,
    configuration: input.configuration ?? {},
    stream: input.stream,
    tracks: input.tracks ?? {},
    codecs: input.codecs,
    channels: input.channels ?? channelSpecs(),
    maxFileSize: input.maxFileSize,
    quality: input.quality ?? {},
    adapting: false,
    parent: input.parent,
    maxRestarts: input.maxRestarts ?? 3,
    disconnectedGrace: input.disconnectedGrace ?? 3000,
    restartTimeout: input.restartTimeout ?? 10_000,
    connectTimeout: input.connectTimeout ?? 15_000,
    restarts: 0,
    rollbacks: 0,
  }),
  invoke: [
    {
      id: 'connection',
      src: 'connection',
      input: ({ context }) => ({
        polite: context.polite,
        initiator: context.initiator,
        configuration: context.configuration,
        stream: context.stream,
        tracks: context.tracks,
        codecs: context.codecs,
        channels: context.channels,
      }),
    },
    { id: 'ice', src: 'ice' },
    { id: 'files', src: 'files', input: ({ context }) => ({ maxFileSize: context.maxFileSize }) },
  ],
  entry: 'startChannels',
  initial: 'negotiating',
  on: {
    'peer.signal': {
      actions: { type: 'command', params: ({ event }) => ({ type: 'pc.signal.in', data: event.data }) },
    },
    'peer.replace-track': {
      actions: {
        type: 'command',
        params: ({ event }) => ({ type: 'pc.replace-track', kind: event.kind, track: event.track }),
      },
    },
    'peer.add-track': {
      actions: {
        type: 'command',
        params: ({ event }) => ({ type: 'pc.add-track', track: event.track, stream: event.stream }),
      },
    },
    'peer.remove-track': {
      actions: { type: 'command', params: ({ event }) => ({ type: 'pc.remove-track', track: event.track }) },
    },
    'peer.send': { actions: 'sendOnChannel' },
    'peer.file.send': {
      actions: sendTo('files', ({ event }) => ({
        type: 'files.send' as const,
        id: event.id,
        file: event.file,
        name: event.name,
      })),
    },
    'peer.file.cancel': { actions: sendTo('files', ({ event }) => ({ type: 'files.cancel' as const, id: event.id })) },
    'pc.channel': { actions: 'attachChannel' },
    'pc.sctp': {
      actions: sendTo('files', ({ event }) => ({ type: 'files.limit' as const, maxMessageSize: event.maxMessageSize })),
    },
    'channel.data': {
      actions: {
        type: 'notify',
        params: ({ context, event }) => ({
          type: 'peer.message',
          key: context.key,
          channel: event.name,
          data: event.data,
        }),
      },
    },
    'channel.dropped': {
      actions: {
        type: 'notify',
        params: ({ context, event }) => ({
          type: 'peer.dropped',
          key: context.key,
          channel: event.name,
          reason: event.reason,
        }),
      },
    },
    'files.started': { actions: { type: 'notify', params: ({ context, event }) => fileNotice(context.key, event) } },
    'files.progress': { actions: { type: 'notify', params: ({ context, event }) => fileNotice(context.key, event) } },
    'files.done': { actions: { type: 'notify', params: ({ context, event }) => fileNotice(context.key, event) } },
    'files.failed': { actions: { type: 'notify', params: ({ context, event }) => fileNotice(context.key, event) } },
    'peer.close': { target: '.closed' },
    'pc.created': { actions: assign({ pc: ({ event }) => event.pc }) },
    'pc.sender': { actions: 'startQuality' },
    'peer.quality': { actions: 'toQuality' },
    'peer.caps': { actions: 'toQuality' },
    'quality.level': {
      actions: [
        assign({ level: ({ event }) => ({ level: event.level, reason: event.reason, mode: event.mode }) }),
        {
          type: 'notify',
          params: ({ context, event }) => ({
            type: 'peer.quality',
            key: context.key,
            level: event.level,
            reason: event.reason,
            mode: event.mode,
          }),
        },
      ],
    },
    'pc.signal.out': {
      actions: {
        type: 'notify',
        params: ({ context, event }) => ({ type: 'peer.signal.out', key: context.key, data: event.data }),
      },
    },
    'pc.track': {
      actions: [
        assign({ remoteStream: ({ event }) => event.stream }),
        {
          type: 'notify',
          params: ({ context, event }) => ({
            type: 'peer.track',
            key: context.key,
            track: event.track,
            stream: event.stream,
          }),
        },
      ],
    },
    'pc.ice.error': {
      actions: {
        type: 'notify',
        params: ({ context, event }) => ({
          type: 'peer.ice-error',
          key: context.key,
          code: event.code,
          text: event.text,
          url: event.url,
        }),
      },
    },
    'pc.rollback': { actions: assign({ rollbacks: ({ context }) => context.rollbacks + 1 }) },
    'pc.error': { actions: assign({ error: ({ event }) => event.message }) },
    'pc.ice.gathering': {
      actions: sendTo('ice', ({ event }): IceEvent => ({ type: toIce[event.type], state: event.state })),
    },
    'pc.ice.connection': {
      actions: sendTo('ice', ({ event }): IceEvent => ({ type: toIce[event.type], state: event.state })),
    },
    'pc.ice.pair': { actions: sendTo('ice', ({ event }): IceEvent => ({ type: toIce[event.type], pair: event.pair })) },
  },
  states: {
    negotiating: {
      on: {
        'pc.signaling': { guard: 'negotiated', target: 'connecting' },
        'pc.connection': [
          { guard: { type: 'reports', params: { state: 'connected' } }, target: 'connected' },
          { guard: { type: 'reports', params: { state: 'failed' } }, target: 'restarting' },
        ],
      },
    },
    connecting: {
      on: {
        'pc.connection': [
          { guard: { type: 'reports', params: { state: 'connected' } }, target: 'connected' },
          { guard: { type: 'reports', params: { state: 'failed' } }, target: 'restarting' },
        ],
      },
      after: { connectTimeout: { target: 'restarting' } },
    },
    connected: {
      entry: [
        'resetRestarts',
        { type: 'notify', params: ({ context }) => ({ type: 'peer.connected', key: context.key }) },
      ],
      on: {
        'pc.connection': [
          { guard: { type: 'reports', params: { state: 'disconnected' } }, target: 'disconnected' },
          { guard: { type: 'reports', params: { state: 'failed' } }, target: 'restarting' },
        ],
        'peer.restart': { target: 'restarting' },
      },
    },
    disconnected: {
      entry: { type: 'notify', params: ({ context }) => ({ type: 'peer.disconnected', key: context.key }) },
      on: {
        'pc.connection': [
          { guard: { type: 'reports', params: { state: 'connected' } }, target: 'connected' },
          { guard: { type: 'reports', params: { state: 'failed' } }, target: 'restarting' },
        ],
      },
      after: { disconnectedGrace: { target: 'restarting' } },
    },
    restarting: {
      entry: ['countRestart', 'restartIce'],
      always: { guard: 'restartsExhausted', target: 'failed' },
      on: {
        'pc.connection': { guard: { type: 'reports', params: { state: 'connected' } }, target: 'connected' },
      },
      after: { restartTimeout: { target: 'restarting', reenter: true } },
    },
    failed: {
      entry: {
        type: 'notify',
        params: ({ context }) => ({
          type: 'peer.failed',
          key: context.key,
          error: context.error ?? `No connection after ${context.maxRestarts} ICE restarts.`,
        }),
      },
      on: { 'peer.restart': { target: 'restarting', actions: 'resetRestarts' } },
    },
    closed: { type: 'final' },
  },
});
