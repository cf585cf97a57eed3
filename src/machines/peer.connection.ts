import { fromCallback } from 'xstate';
import type { Json } from '../signaling/protocol.js';
import { channelSpecs, type ChannelSpec } from './channel.machine.js';
import type { CandidatePair, CandidateType } from './ice.machine.js';

/** What peers send each other through the relay. */
export interface PeerSignal {
  description?: RTCSessionDescriptionInit;
  /** A trickled candidate; `null` marks the end of candidates. */
  candidate?: RTCIceCandidateInit | null;
}

/** Input of {@link peerConnectionActor}. */
export interface PeerConnectionInput {
  polite: boolean;
  /** The side that makes the first offer. The other waits for it and answers on the offer's transceivers. */
  initiator: boolean;
  configuration: RTCConfiguration;
  /** The local stream the remote side will see the tracks in. */
  stream?: MediaStream;
  tracks: { audio?: MediaStreamTrack | null; video?: MediaStreamTrack | null };
  /** Video codecs to prefer, best first, e.g. `['vp9', 'vp8']`; the browser's order when absent. */
  codecs?: string[];
  /** The data channels to open, negotiated (see `channelSpecs`); the built-in ones when absent. */
  channels?: ChannelSpec[];
}

/** Commands the connection takes from its peer machine. */
export type PeerConnectionCommand =
  | { type: 'pc.signal.in'; data: PeerSignal }
  | { type: 'pc.replace-track'; kind: 'audio' | 'video'; track: MediaStreamTrack | null }
  | { type: 'pc.add-track'; track: MediaStreamTrack; stream?: MediaStream }
  | { type: 'pc.remove-track'; track: MediaStreamTrack }
  | { type: 'pc.restart-ice' };

/** What the connection reports. */
export type PeerConnectionEvent =
  | { type: 'pc.created'; pc: RTCPeerConnection }
  /** The sender of `kind` is known: at once for the offerer, on the first offer for the answerer. */
  | { type: 'pc.sender'; kind: 'audio' | 'video'; sender: RTCRtpSender }
  | { type: 'pc.signal.out'; data: Json }
  | { type: 'pc.signaling'; state: RTCSignalingState; remote: boolean }
  | { type: 'pc.connection'; state: RTCPeerConnectionState }
  | { type: 'pc.ice.gathering'; state: RTCIceGatheringState }
  | { type: 'pc.ice.connection'; state: RTCIceConnectionState }
  | { type: 'pc.ice.pair'; pair: CandidatePair }
  | { type: 'pc.track'; track: MediaStreamTrack; stream: MediaStream }
  | { type: 'pc.rollback' }
  /** A data channel exists (it may not be open yet). */
  | { type: 'pc.channel'; name: string; channel: RTCDataChannel }
  /**
   * The SCTP transport's largest message, as negotiated: known once an answer is applied (for the offerer, only
   * after the remote answer; `pc.sctp` is null before), and told again if a renegotiation changes it.
   */
  | { type: 'pc.sctp'; maxMessageSize: number }
  | { type: 'pc.error'; message: string }
  /** A STUN or TURN server refused us: `icecandidateerror` with an HTTP-like code (401: bad credentials). */
  | { type: 'pc.ice.error'; code: number; text: string; url: string };

type StatsEntry = { type: string; id: string; [key: string]: unknown };

/** Reads the selected candidate pair from `getStats()`. */
export async function selectedCandidatePair(pc: RTCPeerConnection): Promise<CandidatePair | undefined> {
  const stats = new Map<string, StatsEntry>();
  (await pc.getStats()).forEach((entry: StatsEntry) => stats.set(entry.id, entry));
  const transport = [...stats.values()].find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair =
    stats.get(transport?.selectedCandidatePairId as string) ??
    [...stats.values()].find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  if (!pair) return undefined;
  const local = stats.get(pair.localCandidateId as string);
  const remote = stats.get(pair.remoteCandidateId as string);
  if (!local || !remote) return undefined;
  return {
    local: local.candidateType as CandidateType,
    remote: remote.candidateType as CandidateType,
    protocol: String(local.protocol ?? 'udp'),
    rtt: typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : undefined,
  };
}

/**
 * Orders `available` codecs with the `preferred` names (`vp9`, `h264`…) first, in their order, and the rest
 * after in the browser's order. Names the browser lacks are skipped, and every codec stays listed, so the
 * other side can always find one in common.
 */
export function orderCodecs<T extends { mimeType: string }>(available: T[], preferred: string[]): T[] {
  const wanted = preferred.map((name) => name.trim().toLowerCase());
  const rank = (codec: T): number => {
    const index = wanted.indexOf(codec.mimeType.split('/')[1]?.toLowerCase() ?? '');
    return index === -1 ? wanted.length : index;
  };
  return available
    .map((codec, index) => ({ codec, index }))
    .sort((a, b) => rank(a.codec) - rank(b.codec) || a.index - b.index)
    .map(({ codec }) => codec);
}

/**
 * One RTCPeerConnection, negotiated with the W3C "perfect negotiation" pattern: either side may offer at any
 * time; on a collision the polite side rolls back its own offer (setRemoteDescription does the rollback) and
 * the impolite side ignores the incoming one. Candidates that arrive before the remote description are
 * buffered. The audio and video transceivers are set up once, so muting, camera off, device switches and
 * screen share are all `replaceTrack`, never a renegotiation.
 */
export const peerConnectionActor = fromCallback<PeerConnectionCommand, PeerConnectionInput, PeerConnectionEvent>(
  ({ input, sendBack, receive }) => {
    // max-bundle: every m-line on one transport, so ICE gathers once. With the default (balanced), Firefox gathers
    // and trickles candidates for each new m-line of every offer: in a renegotiation storm that is hundreds of
    // signals a second, past the relay's rate limit, and a dropped answer leaves negotiation stuck. Both sides
    // are this kit, so bundling is always understood.
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', ...input.configuration });
    const stream = input.stream ?? new MediaStream();
    const tracks = { ...input.tracks };
    const senders: Partial<Record<'audio' | 'video', RTCRtpSender>> = {};
    let makingOffer = false;
    let ignoreOffer = false;
    let pendingCandidates: RTCIceCandidateInit[] = [];
    let closed = false;
    // Signals are handled one at a time, in arrival order.
    let queue = Promise.resolve();

    const signal = (data: PeerSignal): void => sendBack({ type: 'pc.signal.out', data: data as Json });
    const fail = (what: string, error: unknown): void => {
      if (!closed) sendBack({ type: 'pc.error', message: `${what}: ${(error as Error)?.message ?? error}` });
    };

    // The limit is read after negotiation, never when the channels are created: the offerer creates them before
    // its offer, when `pc.sctp` is still null.
    let maxMessageSize: number | undefined;
    const reportSctp = (): void => {
      const size = pc.sctp?.maxMessageSize;
      if (closed || typeof size !== 'number' || size === maxMessageSize) return;
      maxMessageSize = size;
      sendBack({ type: 'pc.sctp', maxMessageSize: size });
    };

    // Every data channel is negotiated (both sides create it with the same id), so none needs signaling of its
    // own. Their actors queue what is sent before they open.
    let channelsOpened = false;
    const openChannels = (): void => {
      if (channelsOpened) return;
      channelsOpened = true;
      for (const { name, id, ordered, maxRetransmits, maxPacketLifeTime } of input.channels ?? channelSpecs()) {
        const channel = pc.createDataChannel(name, {
          negotiated: true,
          id,
          ordered,
          maxRetransmits,
          maxPacketLifeTime,
        });
        // By the time a channel opens the association is up, so its limit is final.
        channel.addEventListener('open', () => reportSctp(), { once: true });
        sendBack({ type: 'pc.channel', name, channel });
      }
    };

    /** Takes `transceiver`'s sender for `kind`, with the codec order asked for. */
    const adopt = (kind: 'audio' | 'video', transceiver: RTCRtpTransceiver): void => {
      senders[kind] = transceiver.sender;
      // setCodecPreferences: Chromium, Safari 13.1+, Firefox 128+. Without it, or if it refuses the list, the
      // browser's own order stands: the call still connects, on the browser's default codec (documented in
      // docs/quality.md). Capabilities come from the receiver, as the spec requires for this call.
      const capabilities = kind === 'video' && input.codecs?.length && RTCRtpReceiver.getCapabilities?.('video');
      if (capabilities && typeof transceiver.setCodecPreferences === 'function') {
        try {
          transceiver.setCodecPreferences(orderCodecs(capabilities.codecs, input.codecs!));
        } catch {
          // InvalidModificationError on a list the browser will not take: keep its default order.
        }
      }
      sendBack({ type: 'pc.sender', kind, sender: transceiver.sender });
    };

    if (input.initiator) {
      openChannels();
      for (const kind of ['audio', 'video'] as const)
        adopt(kind, pc.addTransceiver(tracks[kind] ?? kind, { direction: 'sendrecv', streams: [stream] }));
    }

    /** The answerer sends on the transceivers the offer created, once, when the first offer arrives. */
    const adoptTransceivers = (): void => {
      for (const transceiver of pc.getTransceivers()) {
        const kind = transceiver.receiver.track.kind as 'audio' | 'video';
        if (senders[kind] || transceiver.currentDirection === 'stopped') continue;
        adopt(kind, transceiver);
        transceiver.direction = 'sendrecv';
        transceiver.sender.setStreams(stream);
        // The answer does not depend on the track: attach it without holding the answer back.
        void transceiver.sender.replaceTrack(tracks[kind] ?? null).catch((error) => fail('replaceTrack failed', error));
      }
    };

    /**
     * Feeds every sender its track again. Chromium (150) can lose the link between a sender and its track when
     * the polite side rolls back its own offer: on a transceiver the remote offer created (this side answered
     * the first negotiation), the send stream comes back with a new SSRC and never encodes another frame,
     * although `sender.track` is still the live track (test/browser/engine.test.ts, glare). `replaceTrack` with
     * the same track restores it, without renegotiation.
     */
    const reattachTracks = (): void => {
      for (const { sender, currentDirection } of pc.getTransceivers())
        if (sender.track && currentDirection !== 'stopped')
          void sender.replaceTrack(sender.track).catch((error) => fail('replaceTrack failed', error));
    };

    const reportSignaling = (): void => {
      sendBack({ type: 'pc.signaling', state: pc.signalingState, remote: pc.remoteDescription !== null });
      reportSctp();
    };

    pc.onnegotiationneeded = async () => {
      try {
        makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) signal({ description: pc.localDescription.toJSON() });
      } catch (error) {
        fail('creating an offer failed', error);
      } finally {
        makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => signal({ candidate: candidate ? candidate.toJSON() : null });
    pc.onsignalingstatechange = reportSignaling;
    pc.onconnectionstatechange = async () => {
      sendBack({ type: 'pc.connection', state: pc.connectionState });
      // Read the candidate pair once DTLS is up (also after an ICE restart), not during the handshake:
      // getStats runs on the same thread and would slow the connection down.
      if (pc.connectionState === 'connected') {
        const pair = await selectedCandidatePair(pc).catch(() => undefined);
        if (pair && !closed) sendBack({ type: 'pc.ice.pair', pair });
      }
    };
    pc.onicegatheringstatechange = () => sendBack({ type: 'pc.ice.gathering', state: pc.iceGatheringState });
    // Codes 300–699 are the server's own answers (STUN/TURN error codes); 700 and up are only unreachable
    // servers, which ICE routinely works around.
    pc.onicecandidateerror = (event) => {
      const { errorCode: code, errorText: text, url } = event as RTCPeerConnectionIceErrorEvent;
      if (code >= 300 && code < 700) sendBack({ type: 'pc.ice.error', code, text, url });
    };
    pc.oniceconnectionstatechange = () => sendBack({ type: 'pc.ice.connection', state: pc.iceConnectionState });
    pc.ontrack = ({ track, streams }) =>
      sendBack({ type: 'pc.track', track, stream: streams[0] ?? new MediaStream([track]) });

    const onSignal = async ({ description, candidate }: PeerSignal): Promise<void> => {
      if (description) {
        const collision = description.type === 'offer' && (makingOffer || pc.signalingState !== 'stable');
        ignoreOffer = !input.polite && collision;
        if (ignoreOffer) return;
        if (collision) sendBack({ type: 'pc.rollback' });
        await pc.setRemoteDescription(description);
        const buffered = pendingCandidates;
        pendingCandidates = [];
        for (const c of buffered)
          await pc.addIceCandidate(c).catch((error) => fail('a buffered candidate failed', error));
        if (description.type === 'offer') {
          adoptTransceivers();
          await pc.setLocalDescription();
          if (pc.localDescription) signal({ description: pc.localDescription.toJSON() });
          // After the answer the SCTP transport exists, so opening the channels needs no new negotiation.
          openChannels();
          if (collision) reattachTracks();
        }
        reportSignaling();
      } else if (candidate !== undefined) {
        if (candidate === null) return;
        if (!pc.remoteDescription) {
          pendingCandidates.push(candidate);
          return;
        }
        try {
          await pc.addIceCandidate(candidate);
        } catch (error) {
          // Candidates of an offer we ignored are expected to fail.
          if (!ignoreOffer) throw error;
        }
      }
    };

    receive((command) => {
      switch (command.type) {
        case 'pc.signal.in':
          queue = queue.then(() => onSignal(command.data)).catch((error) => fail('applying a signal failed', error));
          return;
        case 'pc.replace-track':
          tracks[command.kind] = command.track;
          void senders[command.kind]?.replaceTrack(command.track).catch((error) => fail('replaceTrack failed', error));
          return;
        case 'pc.add-track':
          pc.addTrack(command.track, command.stream ?? stream);
          return;
        case 'pc.remove-track':
          // Stopping frees the m-line for reuse, where removeTrack would leave it in every later offer.
          pc.getTransceivers()
            .find((t) => t.sender.track === command.track)
            ?.stop();
          return;
        case 'pc.restart-ice':
          pc.restartIce();
          return;
      }
    });

    sendBack({ type: 'pc.created', pc });
    return () => {
      closed = true;
      pc.close();
    };
  },
);
