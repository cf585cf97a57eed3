import { assign, enqueueActions, fromCallback, sendTo, setup, type ActorRefFrom, type EventObject } from 'xstate';
import type { Json, PeerInfo, PeerMeta } from '../signaling/protocol.js';
import { mediaMachine, type MediaInput } from './media.machine.js';
import {
  channelSpecs,
  decodeMessage,
  encodeMessage,
  type ChannelData,
  type ChannelOptions,
  type ChannelSpec,
} from './channel.machine.js';
import type { FileEvent, TransferFailure } from './file.transfer.js';
import { peerMachine, type PeerInput, type PeerNotification, type PeerQualityOptions } from './peer.machine.js';
import {
  QUALITY_LEVELS,
  QUALITY_REASONS,
  type QualityLevel,
  type QualityMode,
  type QualityReason,
  type VideoCaps,
} from './quality.machine.js';
import {
  signalingMachine,
  type ReconnectOptions,
  type SignalingInput,
  type SignalingNotification,
} from './signaling.machine.js';

/** The key in `meta` that carries a call's session id, so peers recognise each other across reconnects. */
export const SESSION_META_KEY = 'session';

/** Input of {@link callMachine}. */
export interface CallInput {
  /** WebSocket URL of the relay, e.g. `ws://localhost:8787/signal`. */
  server: string;
  room: string;
  /** Shown to the other participants, e.g. `{ name: 'Ada' }`. */
  meta?: PeerMeta;
  /** Local media to send; `false` joins to watch and listen only. */
  media?: false | Pick<MediaInput, 'audio' | 'video'>;
  /** ICE servers used in addition to the ones the relay hands out. */
  iceServers?: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** This call's stable id; random by default. */
  session?: string;
  /**
   * Tuning of the signaling actor: timeouts, and the retry policy (`reconnect`: `joinRetries`, 8 by default, bounds
   * the attempts to reach a relay not joined yet; `maxRetries`, unbounded by default, those after a drop).
   */
  signaling?: Partial<
    Pick<SignalingInput, 'pingInterval' | 'pongTimeout' | 'connectTimeout' | 'probeTimeout'> & {
      reconnect: Partial<ReconnectOptions>;
    }
  >;
  /** Tuning of every peer actor (restart timings). */
  peer?: Partial<Pick<PeerInput, 'maxRestarts' | 'disconnectedGrace' | 'restartTimeout' | 'connectTimeout'>>;
  /** Ms a connected peer whose socket dropped is kept, waiting for it to rejoin, before it is removed. */
  orphanGrace?: number;
  /** Video codecs to prefer, best first, e.g. `['vp9', 'vp8']`. */
  codecs?: string[];
  /** Adaptive quality of the video sent to each peer: the mode (`auto` by default), levels, thresholds, caps. */
  quality?: PeerQualityOptions;
  /**
   * The app's own data channels, besides the built-in `chat`, `file` and `data`, e.g.
   * `{ game: { ordered: false, maxRetransmits: 0 } }`. Every participant must declare the same ones.
   */
  channels?: Record<string, ChannelOptions>;
  /** Larger incoming files are refused. Default 2 GiB. */
  maxFileSize?: number;
}

/**
 * Why the relay cannot be reached or joined, while the call retries (or since it gave up): what the signaling
 * probe found (`relay-unreachable`, `relay-unauthorized`…, see docs/protocol.md), and when the next attempt comes.
 */
export interface RelayStatus {
  code: string;
  /** A short phrase naming the relay, e.g. `Can't reach the relay at ws://…`. */
  summary: string;
  /** What happened and what to do. */
  message: string;
  /** The attempt about to be made (1 is the first retry). */
  attempt: number;
  /** The most attempts that will be made; `Infinity` when there is no limit. */
  attempts: number;
  /** When the next attempt comes, in ms since the epoch; `undefined` once the call gave up. */
  retryAt?: number;
}

/** One file transfer with one participant, as the call knows it. */
export interface Transfer {
  /** The transfer's id; the same for every participant a file goes to. */
  id: string;
  peer: string;
  direction: 'send' | 'receive';
  name: string;
  mime: string;
  size: number;
  /** When it started, in ms since the epoch. */
  time: number;
  /** When the call last recorded a change of it, in ms since the epoch. */
  updated?: number;
  /** Bytes sent (or received) so far. */
  bytes: number;
  /** Bytes the receiver confirmed (sends only). */
  delivered?: number;
  state: 'active' | 'done' | 'failed';
  /** The file, once received. */
  blob?: Blob;
  /** Why it failed, and who ended it. */
  error?: { reason: TransferFailure; message: string; by: 'local' | 'remote' };
  /** The most the channel's buffer held while sending: at most the high-water mark plus one chunk. */
  maxBuffered?: number;
}

/**
 * A transfer's progress is recorded (and a `transfer` event emitted) at most every this many ms, unless it moved by
 * {@link PROGRESS_BYTES}: the file actor reports every chunk (up to hundreds a second), and recording each one
 * cost the main thread more than the transfer itself (bench:data). Starts, ends and acknowledgements always count.
 */
export const PROGRESS_INTERVAL = 100;
/** See {@link PROGRESS_INTERVAL}. */
export const PROGRESS_BYTES = 1024 * 1024;

/** Transfers the call remembers (the latest), so a chat panel added later still shows them. */
export const TRANSFER_HISTORY = 50;

/** The quality of one video stream: the level, why, and whether it adapts. */
export interface StreamQuality {
  level: QualityLevel;
  reason: QualityReason;
  mode: QualityMode;
}

/** What `call.setVideoConstraints` takes: caps on every level, and the camera's resolution. */
export interface VideoConstraints extends VideoCaps {
  /** Camera width, applied to the live track with `applyConstraints`. */
  width?: number;
  height?: number;
  degradationPreference?: RTCDegradationPreference;
}

/** One remote participant, as the call knows it. */
export interface CallPeer {
  /** Stable key: the remote call's session id. */
  key: string;
  /** Current relay id, for routing; changes when the remote reconnects. */
  id: string;
  meta: PeerMeta;
  ref: ActorRefFrom<typeof peerMachine>;
  /** Set when the remote said goodbye: its `peer-left` then removes it at once. */
  bye?: boolean;
  /** Set while the relay says it left but its connection still carries media. */
  orphan?: boolean;
  /** What the participant says of its own microphone and camera. */
  media: MediaState;
  /** The quality of the video we send it. */
  quality?: StreamQuality;
  /** The quality of the video it sends us, as it announces it. */
  remoteQuality?: StreamQuality;
}

/** One chat message. */
export interface ChatMessage {
  /** `local` for a message sent from here, else the sender's key. */
  peer: string;
  /** The sender's name when the message arrived (it may have left since). */
  name: string;
  text: string;
  /** When it was sent, in ms since the epoch, by the sender's clock. */
  time: number;
}

/** Longest chat message, in characters. */
export const MAX_CHAT_LENGTH = 4000;

/** Messages the call remembers, so a chat panel added later still shows the conversation. */
export const CHAT_HISTORY = 200;

/** A participant's microphone and camera, as it announces them to the others. */
export interface MediaState {
  muted: boolean;
  camera: boolean;
}

export interface CallContext {
  server: string;
  room: string;
  meta: PeerMeta;
  session: string;
  media: false | Pick<MediaInput, 'audio' | 'video'>;
  /** ICE servers from the input, used in addition to the relay's. */
  extraIceServers: RTCIceServer[];
  /** What peer connections use: the relay's ICE servers, then the input's. */
  iceServers: RTCIceServer[];
  iceTransportPolicy?: RTCIceTransportPolicy;
  signalingOptions: CallInput['signaling'];
  peerOptions: CallInput['peer'];
  orphanGrace: number;
  /** This participant's relay id, from the latest welcome. */
  self?: string;
  peers: Record<string, CallPeer>;
  localStream?: MediaStream;
  /** The latest chat messages, oldest first. */
  messages: ChatMessage[];
  /** This participant's microphone and camera, announced to every peer. */
  localMedia: MediaState;
  tracks: { audio?: MediaStreamTrack | null; video?: MediaStreamTrack | null };
  /** Every data channel, built-in and the app's, with their negotiated ids. */
  channels: ChannelSpec[];
  maxFileSize?: number;
  /** File transfers, by `peer/id`, oldest first. */
  transfers: Record<string, Transfer>;
  codecs?: string[];
  /** STUN/TURN refusals already reported, as `url code`. */
  iceErrors: string[];
  /** Quality options every new peer starts with; `mode` and `caps` follow the app's latest choice. */
  quality: PeerQualityOptions;
  error?: { code: string; message: string };
  /** Set while the relay cannot be reached or joined, and after the call gave up on it; cleared once joined. */
  relay?: RelayStatus;
}

/** What the media actor tells the call. */
export type MediaNotification =
  | { type: 'media.track'; kind: 'audio' | 'video'; track: MediaStreamTrack | null; stream?: MediaStream }
  | { type: 'media.error'; error: { name: string; message: string } };

/** Events the call takes from its user. */
export type CallCommand =
  | { type: 'call.join' }
  /** While waiting to retry the relay: retry now. */
  | { type: 'call.retry' }
  | { type: 'call.leave' }
  | { type: 'call.mute'; muted: boolean }
  | { type: 'call.camera'; on: boolean }
  | { type: 'call.screen'; on: boolean }
  | { type: 'call.device'; kind: 'audioinput' | 'videoinput'; deviceId: string }
  /** A chat message, to everyone or to one participant. */
  | { type: 'call.chat'; text: string; to?: string }
  /** App data (encoded with `encodeMessage`) on a channel other than `chat` and `file`. */
  | { type: 'call.send'; channel: string; data: ChannelData; to?: string }
  | { type: 'call.file.send'; id: string; file: Blob; name: string; to?: string }
  | { type: 'call.file.cancel'; id: string }
  | { type: 'call.quality'; mode: QualityMode }
  | { type: 'call.video'; constraints: VideoConstraints };

type OrphanExpired = { type: 'call.orphan.expired'; key: string };

/** What the call emits, for the public API and the elements. */
export type CallEmitted =
  | { type: 'peer-joined'; peer: { key: string; id: string; meta: PeerMeta } }
  | { type: 'peer-left'; peer: string }
  | { type: 'peer-connected'; peer: string }
  | { type: 'track'; peer: string; track: MediaStreamTrack; stream: MediaStream }
  | { type: 'peer-media'; peer: string; media: MediaState }
  /** The level of the video we send to `peer` changed. */
  | ({ type: 'quality'; peer: string } & StreamQuality)
  /** `peer` says the level of the video it sends us changed. */
  | ({ type: 'remote-quality'; peer: string } & StreamQuality)
  | ({ type: 'message' } & ChatMessage)
  /** App data arrived on `channel`. */
  | { type: 'data'; peer: string; channel: string; data: unknown }
  /** A file transfer started, progressed, finished or failed. */
  | { type: 'transfer'; transfer: Transfer }
  | { type: 'error'; code: string; message: string };

type Events = CallCommand | SignalingNotification | PeerNotification | MediaNotification | OrphanExpired;

const keyOf = (info: PeerInfo): string => {
  const session = info.meta[SESSION_META_KEY];
  return typeof session === 'string' && session ? session : info.id;
};

const findById = (context: CallContext, id: string): CallPeer | undefined =>
  Object.values(context.peers).find((peer) => peer.id === id);

const randomSession = (): string => crypto.randomUUID();

const LEVELS: readonly string[] = QUALITY_LEVELS;
const REASONS: readonly string[] = QUALITY_REASONS;

/** The error a STUN/TURN refusal becomes: `turn-unauthorized` for bad credentials, else `ice-server-error`. */
function iceError({ code, text, url }: { code: number; text: string; url: string }): { code: string; message: string } {
  const server = url || 'The ICE server';
  if (code === 401 || code === 403 || code === 441)
    return {
      code: 'turn-unauthorized',
      message: `${server} refused the TURN credentials (${code} ${text}). Check the relay's TURN secret (--turn-secret) against the TURN server's.`,
    };
  return { code: 'ice-server-error', message: `${server} answered ${code} ${text}.` };
}

/** The peers a message goes to: everyone, or the one with key `to`. */
const recipients = (context: CallContext, to: string | undefined): CallPeer[] =>
  to === undefined ? Object.values(context.peers) : context.peers[to] ? [context.peers[to]] : [];

/**
 * A transfer after one report of a peer's file actor; `undefined` for a report about no known transfer, or for
 * progress too soon after the last (see {@link PROGRESS_INTERVAL}).
 */
function nextTransfer(current: Transfer | undefined, peer: string, event: FileEvent): Transfer | undefined {
  if (event.type === 'files.started')
    return {
      id: event.id,
      peer,
      direction: event.direction,
      name: event.name,
      mime: event.mime,
      size: event.size,
      time: Date.now(),
      updated: Date.now(),
      bytes: 0,
      state: 'active',
    };
  if (!current) return undefined;
  const updated = Date.now();
  switch (event.type) {
    case 'files.progress':
      if (
        event.delivered === undefined &&
        current.state === 'active' &&
        updated - (current.updated ?? 0) < PROGRESS_INTERVAL &&
        event.bytes - current.bytes < PROGRESS_BYTES
      )
        return undefined;
      return {
        ...current,
        updated,
        bytes: Math.max(current.bytes, event.bytes),
        delivered: event.delivered ?? current.delivered,
      };
    case 'files.done':
      return {
        ...current,
        updated,
        state: 'done',
        bytes: current.size,
        blob: event.blob,
        maxBuffered: event.maxBuffered,
      };
    case 'files.failed':
      return {
        ...current,
        updated,
        state: 'failed',
        error: { reason: event.reason, message: event.message, by: event.by },
      };
  }
}

/**
 * The error a transfer that just failed becomes: `file-<reason>` (`file-integrity`, `file-too-large`,
 * `file-refused`, `file-closed`, `file-cancelled`, `file-error`) with the transfer's own message. A transfer this
 * side cancelled is no error; nor is one that had already ended.
 */
export function transferError(
  before: Transfer | undefined,
  after: Transfer,
): { code: `file-${TransferFailure}`; message: string } | undefined {
  if (after.state !== 'failed' || !after.error || before?.state === 'failed' || before?.state === 'done')
    return undefined;
  if (after.error.reason === 'cancelled' && after.error.by === 'local') return undefined;
  return { code: `file-${after.error.reason}`, message: after.error.message };
}

/** A quality announcement from a peer, checked field by field; `undefined` when malformed. */
function parseQuality(value: unknown): StreamQuality | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { level, reason, mode } = value as Record<string, unknown>;
  if (typeof level !== 'string' || !LEVELS.includes(level)) return undefined;
  return {
    level: level as QualityLevel,
    reason: (typeof reason === 'string' && REASONS.includes(reason) ? reason : 'start') as QualityReason,
    mode: (mode === 'auto' || LEVELS.includes(mode as string) ? mode : 'auto') as QualityMode,
  };
}

/**
 * Forwards what the media actor emits to the call, as call events. The media machine stays unaware of who
 * listens; the local stream is read after the media transition that announced the track has finished.
 */
export const mediaBridge = fromCallback<EventObject, { media: ActorRefFrom<typeof mediaMachine> }, MediaNotification>(
  ({ input, sendBack }) => {
    const { media } = input;
    const track = media.on('track', ({ kind, track }) =>
      queueMicrotask(() => sendBack({ type: 'media.track', kind, track, stream: media.getSnapshot().context.stream })),
    );
    const error = media.on('error', ({ error }) => sendBack({ type: 'media.error', error }));
    return () => {
      track.unsubscribe();
      error.unsubscribe();
    };
  },
);

/**
 * The call: joins a room through signaling, acquires media, and runs one peer actor per remote participant
 * (a mesh).
 *
 * `idle → joining → waiting` (alone) `⇄ in-call`; `reconnecting` while signaling is lost (peer connections and
 * media carry on); `leaving → ended`; `failed` when signaling gives up.
 */
export const callMachine = setup({
  types: {
    context: {} as CallContext,
    input: {} as CallInput,
    events: {} as Events,
    emitted: {} as CallEmitted,
  },
  actors: { signaling: signalingMachine, peer: peerMachine, media: mediaMachine, mediaBridge },
  actions: {
    startSignaling: enqueueActions(({ context, enqueue, self }) => {
      enqueue.spawnChild('signaling', {
        id: 'signaling',
        input: {
          url: context.server,
          room: context.room,
          meta: { ...context.meta, [SESSION_META_KEY]: context.session },
          parent: self,
          ...context.signalingOptions,
        },
      });
      enqueue.sendTo('signaling', { type: 'signaling.connect' });
    }),
    startMedia: enqueueActions(({ context, enqueue }) => {
      const { media: input } = context;
      if (!input) return;
      enqueue.assign({
        media: ({ spawn }) => {
          spawn('mediaBridge', { id: 'media-bridge', input: { media: spawn('media', { id: 'media', input }) } });
          return input;
        },
      });
      enqueue.sendTo('media', { type: 'media.start' });
    }),
    toMedia: enqueueActions(({ context, enqueue }, event: { type: string; [key: string]: unknown }) => {
      if (context.media) enqueue.sendTo('media', event as never);
    }),
    /** Adopts a welcome: our relay id and the relay's ICE servers may both have changed. */
    welcome: assign(({ context, event }) =>
      event.type === 'signaling.joined'
        ? { self: event.peer, iceServers: [...event.iceServers, ...context.extraIceServers], relay: undefined }
        : {},
    ),
    /**
     * Adds participants: a key we already know is the same participant on a new relay id (it, or we,
     * reconnected), so it keeps its connection; a new key gets a peer actor. The newcomer is the initiator.
     */
    addPeers: enqueueActions(
      ({ context, enqueue, self }, { infos, initiator }: { infos: PeerInfo[]; initiator: boolean }) => {
        for (const info of infos) {
          const key = keyOf(info);
          if (context.peers[key]) enqueue.cancel(`orphan:${key}`);
          else enqueue.emit({ type: 'peer-joined', peer: { key, id: info.id, meta: info.meta } });
        }
        enqueue.assign({
          peers: ({ context, spawn }) => {
            const peers = { ...context.peers };
            for (const info of infos) {
              const key = keyOf(info);
              const known = peers[key];
              peers[key] = known
                ? { ...known, id: info.id, meta: info.meta, orphan: false, bye: false }
                : {
                    key,
                    id: info.id,
                    meta: info.meta,
                    media: { muted: false, camera: true },
                    ref: spawn('peer', {
                      id: `peer:${key}`,
                      input: {
                        key,
                        polite: context.session < key,
                        initiator,
                        configuration: {
                          iceServers: context.iceServers,
                          iceTransportPolicy: context.iceTransportPolicy,
                        },
                        stream: context.localStream,
                        tracks: context.tracks,
                        parent: self,
                        codecs: context.codecs,
                        quality: context.quality,
                        channels: context.channels,
                        maxFileSize: context.maxFileSize,
                        ...context.peerOptions,
                      },
                    }),
                  };
            }
            return peers;
          },
        });
      },
    ),
    removePeer: enqueueActions(({ context, enqueue }, { key }: { key: string | undefined }) => {
      const peer = key === undefined ? undefined : context.peers[key];
      if (!peer) return;
      enqueue.cancel(`orphan:${peer.key}`);
      enqueue.stopChild(peer.ref);
      enqueue.assign({
        peers: ({ context }) => Object.fromEntries(Object.entries(context.peers).filter(([k]) => k !== peer.key)),
      });
      enqueue.emit({ type: 'peer-left', peer: peer.key });
    }),
    /** The relay says it left, but media still flows: wait for it to come back under a new relay id. */
    orphanPeer: enqueueActions(({ context, event, enqueue, self }) => {
      if (event.type !== 'signaling.peer-left') return;
      const peer = findById(context, event.peer);
      if (!peer) return;
      enqueue.assign({ peers: { ...context.peers, [peer.key]: { ...peer, orphan: true } } });
      enqueue.sendTo(self, { type: 'call.orphan.expired', key: peer.key } satisfies OrphanExpired, {
        delay: context.orphanGrace,
        id: `orphan:${peer.key}`,
      });
    }),
    routeSignal: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'signaling.message') return;
      const peer = findById(context, event.from);
      if (!peer) return;
      const data = event.data as { bye?: unknown; state?: Partial<MediaState>; quality?: unknown } | null;
      if (data && typeof data === 'object' && data.bye === true) {
        enqueue.assign({ peers: { ...context.peers, [peer.key]: { ...peer, bye: true } } });
        return;
      }
      if (data && typeof data === 'object' && data.state && typeof data.state === 'object') {
        const media = { muted: data.state.muted === true, camera: data.state.camera !== false };
        enqueue.assign({ peers: { ...context.peers, [peer.key]: { ...peer, media } } });
        enqueue.emit({ type: 'peer-media', peer: peer.key, media });
        return;
      }
      if (data && typeof data === 'object' && data.quality !== undefined) {
        const quality = parseQuality(data.quality);
        if (!quality) return;
        enqueue.assign({ peers: { ...context.peers, [peer.key]: { ...peer, remoteQuality: quality } } });
        enqueue.emit({ type: 'remote-quality', peer: peer.key, ...quality });
        return;
      }
      enqueue.sendTo(peer.ref, { type: 'peer.signal', data: event.data as never });
    }),
    sendSignal: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'peer.signal.out') return;
      const peer = context.peers[event.key];
      if (peer) enqueue.sendTo('signaling', { type: 'signaling.send', to: peer.id, data: event.data });
    }),
    localTrack: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'media.track') return;
      enqueue.assign({
        tracks: { ...context.tracks, [event.kind]: event.track },
        localStream: event.stream ?? context.localStream,
      });
      for (const peer of Object.values(context.peers))
        enqueue.sendTo(peer.ref, { type: 'peer.replace-track', kind: event.kind, track: event.track });
    }),
    /** Tells peers (all, or the one named) how our microphone and camera are. */
    announceMedia: enqueueActions(({ context, enqueue }, params?: { key: string }) => {
      const peers = params ? [context.peers[params.key]] : Object.values(context.peers);
      for (const peer of peers)
        if (peer)
          enqueue.sendTo('signaling', {
            type: 'signaling.send',
            to: peer.id,
            data: { state: { ...context.localMedia } },
          });
    }),
    /** Records the level of the video sent to a peer, tells the app, and tells the peer why its video changed. */
    peerQuality: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'peer.quality') return;
      const peer = context.peers[event.key];
      if (!peer) return;
      const quality: StreamQuality = { level: event.level, reason: event.reason, mode: event.mode };
      enqueue.assign({ peers: { ...context.peers, [peer.key]: { ...peer, quality } } });
      enqueue.emit({ type: 'quality', peer: peer.key, ...quality });
      enqueue.sendTo('signaling', { type: 'signaling.send', to: peer.id, data: { quality: { ...quality } } });
    }),
    setQuality: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'call.quality') return;
      enqueue.assign({ quality: { ...context.quality, mode: event.mode } });
      for (const peer of Object.values(context.peers))
        enqueue.sendTo(peer.ref, { type: 'peer.quality', mode: event.mode });
    }),
    setVideo: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'call.video') return;
      const { width, height, degradationPreference, ...caps } = event.constraints;
      enqueue.assign({
        quality: {
          ...context.quality,
          caps: { ...context.quality.caps, ...caps },
          degradationPreference: degradationPreference ?? context.quality.degradationPreference,
        },
      });
      for (const peer of Object.values(context.peers))
        enqueue.sendTo(peer.ref, { type: 'peer.caps', caps, degradationPreference });
      const size = Object.fromEntries(
        Object.entries({ width, height }).filter(([, value]) => value !== undefined),
      ) as MediaTrackConstraints;
      if (context.media && Object.keys(size).length > 0)
        enqueue.sendTo('media', { type: 'media.video.constraints', constraints: size });
    }),
    /** Sends a chat message over the `chat` channel (to everyone, or to `to`), and records it. */
    sendChat: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'call.chat') return;
      const text = event.text.trim().slice(0, MAX_CHAT_LENGTH);
      if (!text) return;
      const message: ChatMessage = { peer: 'local', name: String(context.meta.name ?? 'You'), text, time: Date.now() };
      const data = encodeMessage({ text: message.text, time: message.time });
      for (const peer of recipients(context, event.to))
        enqueue.sendTo(peer.ref, { type: 'peer.send', channel: 'chat', data });
      enqueue.assign({ messages: [...context.messages, message].slice(-CHAT_HISTORY) });
      enqueue.emit({ type: 'message', ...message });
    }),
    /** Sends app data on its channel, to everyone or to `to`; queued per peer until its channel opens. */
    sendData: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'call.send') return;
      for (const peer of recipients(context, event.to))
        enqueue.sendTo(peer.ref, { type: 'peer.send', channel: event.channel, data: event.data });
    }),
    /** A message from a peer: chat is recorded, app data is emitted; anything malformed is dropped. */
    receive: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'peer.message') return;
      const data = decodeMessage(event.data);
      if (data === undefined) return;
      if (event.channel !== 'chat') {
        enqueue.emit({ type: 'data', peer: event.key, channel: event.channel, data });
        return;
      }
      const { text, time } = (data ?? {}) as { text?: unknown; time?: unknown };
      if (typeof text !== 'string' || !text) return;
      const message: ChatMessage = {
        peer: event.key,
        name: String(context.peers[event.key]?.meta.name ?? 'Guest'),
        text: text.slice(0, MAX_CHAT_LENGTH),
        time: typeof time === 'number' && Number.isFinite(time) ? time : Date.now(),
      };
      enqueue.assign({ messages: [...context.messages, message].slice(-CHAT_HISTORY) });
      enqueue.emit({ type: 'message', ...message });
    }),
    sendFile: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'call.file.send') return;
      for (const peer of recipients(context, event.to))
        enqueue.sendTo(peer.ref, { type: 'peer.file.send', id: event.id, file: event.file, name: event.name });
    }),
    cancelFile: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'call.file.cancel') return;
      for (const transfer of Object.values(context.transfers)) {
        const peer = context.peers[transfer.peer];
        if (peer && transfer.id === event.id && transfer.state === 'active')
          enqueue.sendTo(peer.ref, { type: 'peer.file.cancel', id: event.id });
      }
    }),
    /** Records what the peer's file actor reports, and tells the app; a failure is also an `error`. */
    trackFile: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'peer.file') return;
      const current = context.transfers[`${event.key}/${event.event.id}`];
      const transfer = nextTransfer(current, event.key, event.event);
      if (!transfer) return;
      const key = `${event.key}/${transfer.id}`;
      const rest = Object.entries(context.transfers).filter(([k]) => k !== key);
      enqueue.assign({ transfers: Object.fromEntries([...rest, [key, transfer]].slice(-TRANSFER_HISTORY)) });
      enqueue.emit({ type: 'transfer', transfer });
      const error = transferError(current, transfer);
      if (error) {
        enqueue.assign({ error });
        enqueue.emit({ type: 'error', ...error });
      }
    }),
    sayGoodbye: enqueueActions(({ context, enqueue }) => {
      for (const peer of Object.values(context.peers))
        enqueue.sendTo('signaling', { type: 'signaling.send', to: peer.id, data: { bye: true } as Json });
    }),
    closeAll: enqueueActions(({ context, enqueue }) => {
      for (const peer of Object.values(context.peers)) {
        enqueue.stopChild(peer.ref);
        enqueue.emit({ type: 'peer-left', peer: peer.key });
      }
      enqueue.assign({ peers: {} });
      enqueue.sendTo('signaling', { type: 'signaling.close' });
      enqueue.stopChild('signaling');
      if (context.media) {
        enqueue.sendTo('media', { type: 'media.stop' });
        enqueue.stopChild('media-bridge');
        enqueue.stopChild('media');
      }
    }),
    /**
     * Records why the relay could not be reached and when the next attempt comes; tells the app (`error`) when the
     * reason is new, not at every attempt. Once joined, only the probe's findings (`relay-…`) are errors: a dropped
     * socket is `reconnecting`, not a problem yet.
     */
    relayRetrying: enqueueActions(({ context, event, enqueue }, { joined }: { joined: boolean }) => {
      if (event.type !== 'signaling.retrying') return;
      if (joined && !event.code.startsWith('relay-')) return;
      const { code, message, attempt, attempts, retryAt } = event;
      const summary = event.summary ?? message;
      enqueue.assign({ relay: { code, summary, message, attempt, attempts, retryAt } });
      if (context.relay?.code === code) return;
      enqueue.assign({ error: { code, message } });
      enqueue.emit({ type: 'error', code, message });
    }),
    retrySignaling: sendTo('signaling', { type: 'signaling.retry' }),
    /** The relay gave up: keeps its last status, without a next attempt. */
    relayFailed: assign({
      relay: ({ context, event }) =>
        event.type === 'signaling.failed' && event.code.startsWith('relay-')
          ? {
              code: event.code,
              summary: event.summary ?? event.message,
              message: event.message,
              attempt: context.relay?.attempt ?? 0,
              attempts: context.relay?.attempts ?? 0,
            }
          : undefined,
    }),
    recordError: enqueueActions(({ enqueue }, error: { code: string; message: string }) => {
      enqueue.assign({ error });
      enqueue.emit({ type: 'error', ...error });
    }),
  },
  guards: {
    /** Each server's refusal is told once, not once per peer and candidate. */
    firstIceError: ({ context, event }) =>
      event.type === 'peer.ice-error' && !context.iceErrors.includes(`${event.url} ${event.code}`),
    hasPeers: ({ context }) => Object.keys(context.peers).length > 0,
    alone: ({ context }) => Object.keys(context.peers).length === 0,
    isOrphan: ({ context, event }) => event.type === 'peer.disconnected' && !!context.peers[event.key]?.orphan,
    /** A participant the relay lost without a goodbye, whose connection still carries media. */
    lingers: ({ context, event }) => {
      if (event.type !== 'signaling.peer-left') return false;
      const peer = findById(context, event.peer);
      return !!peer && !peer.bye && peer.ref.getSnapshot().matches('connected');
    },
  },
}).createMachine({
  id: 'call',
  context: ({ input }) => ({
    server: input.server,
    room: input.room,
    meta: input.meta ?? {},
    session: input.session ?? randomSession(),
    media: input.media === false ? false : { audio: true, video: true, ...input.media },
    extraIceServers: input.iceServers ?? [],
    iceServers: input.iceServers ?? [],
    iceTransportPolicy: input.iceTransportPolicy,
    signalingOptions: input.signaling,
    peerOptions: input.peer,
    orphanGrace: input.orphanGrace ?? 10_000,
    peers: {},
    tracks: {},
    messages: [],
    codecs: input.codecs,
    channels: channelSpecs(input.channels),
    maxFileSize: input.maxFileSize,
    transfers: {},
    quality: input.quality ?? {},
    iceErrors: [],
    localMedia: {
      muted: false,
      camera: input.media === false ? false : input.media?.video !== false,
    },
  }),
  initial: 'idle',
  on: {
    'media.track': { actions: 'localTrack' },
    'media.error': {
      actions: {
        type: 'recordError',
        params: ({ event }) => ({ code: `media-${event.error.name}`, message: event.error.message }),
      },
    },
    'call.mute': {
      actions: [
        { type: 'toMedia', params: ({ event }) => ({ type: 'media.mute', muted: event.muted }) },
        assign({ localMedia: ({ context, event }) => ({ ...context.localMedia, muted: event.muted }) }),
        'announceMedia',
      ],
    },
    'call.camera': {
      actions: [
        { type: 'toMedia', params: ({ event }) => ({ type: 'media.camera', on: event.on }) },
        assign({ localMedia: ({ context, event }) => ({ ...context.localMedia, camera: event.on }) }),
        'announceMedia',
      ],
    },
    'call.screen': {
      actions: {
        type: 'toMedia',
        params: ({ event }) => ({ type: event.on ? 'media.screen.start' : 'media.screen.stop' }),
      },
    },
    'call.quality': { actions: 'setQuality' },
    'call.video': { actions: 'setVideo' },
    'call.device': {
      actions: {
        type: 'toMedia',
        params: ({ event }) => ({ type: 'media.device.select', kind: event.kind, deviceId: event.deviceId }),
      },
    },
  },
  states: {
    idle: {
      on: { 'call.join': { target: 'joining' } },
    },
    joining: {
      entry: ['startSignaling', 'startMedia', assign({ relay: undefined })],
      initial: 'connecting',
      on: {
        'signaling.joined': {
          target: 'room',
          actions: ['welcome', { type: 'addPeers', params: ({ event }) => ({ infos: event.peers, initiator: true }) }],
        },
        'signaling.retrying': { target: '.retrying', actions: { type: 'relayRetrying', params: { joined: false } } },
        'signaling.failed': {
          target: 'failed',
          actions: [
            'relayFailed',
            { type: 'recordError', params: ({ event }) => ({ code: event.code, message: event.message }) },
          ],
        },
        'call.retry': { actions: 'retrySignaling' },
        'call.leave': { target: 'leaving' },
      },
      states: {
        connecting: {},
        // The relay could not be reached or refused: signaling waits, then tries again (context.relay says why).
        retrying: {},
      },
    },
    room: {
      initial: 'waiting',
      on: {
        'signaling.peer-joined': {
          actions: { type: 'addPeers', params: ({ event }) => ({ infos: [event.peer], initiator: false }) },
        },
        'signaling.peer-left': [
          { guard: 'lingers', actions: 'orphanPeer' },
          {
            actions: {
              type: 'removePeer',
              params: ({ context, event }) => ({ key: findById(context, event.peer)?.key }),
            },
          },
        ],
        'call.orphan.expired': { actions: { type: 'removePeer', params: ({ event }) => ({ key: event.key }) } },
        'signaling.message': { actions: 'routeSignal' },
        'peer.signal.out': { actions: 'sendSignal' },
        'peer.connected': {
          actions: enqueueActions(({ event, enqueue }) => enqueue.emit({ type: 'peer-connected', peer: event.key })),
        },
        // An orphan whose media stopped too has really gone: no need to wait out the grace period.
        'peer.disconnected': {
          guard: 'isOrphan',
          actions: { type: 'removePeer', params: ({ event }) => ({ key: event.key }) },
        },
        'peer.message': { actions: 'receive' },
        'peer.file': { actions: 'trackFile' },
        'peer.dropped': {
          actions: {
            type: 'recordError',
            params: ({ event }) => ({ code: 'message-dropped', message: event.reason }),
          },
        },
        'peer.quality': { actions: 'peerQuality' },
        'peer.ice-error': {
          guard: 'firstIceError',
          actions: [
            assign({ iceErrors: ({ context, event }) => [...context.iceErrors, `${event.url} ${event.code}`] }),
            { type: 'recordError', params: ({ event }) => iceError(event) },
          ],
        },
        'call.chat': { actions: 'sendChat' },
        'call.send': { actions: 'sendData' },
        'call.file.send': { actions: 'sendFile' },
        'call.file.cancel': { actions: 'cancelFile' },
        'peer.track': {
          actions: enqueueActions(({ event, enqueue }) =>
            enqueue.emit({ type: 'track', peer: event.key, track: event.track, stream: event.stream }),
          ),
        },
        'peer.failed': {
          actions: [
            { type: 'recordError', params: ({ event }) => ({ code: 'peer-failed', message: event.error }) },
            { type: 'removePeer', params: ({ event }) => ({ key: event.key }) },
          ],
        },
        'signaling.error': {
          actions: { type: 'recordError', params: ({ event }) => ({ code: event.code, message: event.message }) },
        },
        'signaling.lost': { target: '.reconnecting' },
        'signaling.retrying': { actions: { type: 'relayRetrying', params: { joined: true } } },
        'call.retry': { actions: 'retrySignaling' },
        'signaling.failed': {
          target: 'failed',
          actions: [
            'relayFailed',
            { type: 'recordError', params: ({ event }) => ({ code: event.code, message: event.message }) },
          ],
        },
        'call.leave': { target: 'leaving' },
      },
      states: {
        waiting: { always: { guard: 'hasPeers', target: 'in-call' } },
        'in-call': { always: { guard: 'alone', target: 'waiting' } },
        // Signaling is down; existing peer connections keep their media flowing meanwhile.
        reconnecting: {
          on: {
            'signaling.joined': {
              target: 'waiting',
              actions: [
                'welcome',
                { type: 'addPeers', params: ({ event }) => ({ infos: event.peers, initiator: true }) },
              ],
            },
          },
        },
      },
    },
    leaving: {
      entry: ['sayGoodbye', 'closeAll'],
      always: { target: 'ended' },
    },
    ended: {
      on: { 'call.join': { target: 'joining', actions: assign({ error: undefined }) } },
    },
    failed: {
      entry: 'closeAll',
      on: { 'call.join': { target: 'joining', actions: assign({ error: undefined }) } },
    },
  },
});
