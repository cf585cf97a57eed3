import { fromCallback } from 'xstate';

/** One reading of an outbound video sender, each figure over the time since the previous reading. */
export interface QualitySample {
  /** When it was read (`performance.now()` in the browser), ms. */
  time: number;
  /** Video bits sent per second. */
  bitrate?: number;
  /** The browser's estimate of the bandwidth available for sending (`availableOutgoingBitrate`), bits/s. */
  availableBitrate?: number;
  /** Why the encoder holds back (`qualityLimitationReason`): `none`, `bandwidth`, `cpu` or `other`. */
  limitation?: string;
  /**
   * Fraction of the packets sent since the previous reading that the receiver reports lost (`remote-inbound-rtp`
   * `packetsLost` against `outbound-rtp` `packetsSent`; `fractionLost` on the first reading), 0–1.
   */
  loss?: number;
  /** Round-trip time from the receiver's reports, in seconds. */
  rtt?: number;
  /** Frames encoded per second. */
  framesEncoded?: number;
  /** Frames sent per second. */
  framesSent?: number;
  /** Width of the frames sent. */
  frameWidth?: number;
  frameHeight?: number;
}

/** What one level asks of the sender's (first) encoding. */
export interface EncodingSettings {
  /** `false` stops sending video without renegotiating. */
  active: boolean;
  maxBitrate?: number;
  maxFramerate?: number;
  scaleResolutionDownBy?: number;
  degradationPreference?: RTCDegradationPreference;
}

/** Input of {@link qualitySenderActor}. */
export interface QualitySenderInput {
  sender: RTCRtpSender;
  /** Ms between two readings. */
  interval: number;
}

/** Commands the sender actor takes. */
export type QualitySenderCommand = { type: 'sender.apply'; encoding: EncodingSettings };

/** What the sender actor reports. */
export type QualitySenderEvent = { type: 'quality.sample'; sample: QualitySample };

type Stat = { type: string; id: string; [key: string]: unknown };
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);
/** How much `field` grew from `before` to `now`, when both have it. */
function delta(now: Stat | undefined, before: Stat | undefined, field: string): number | undefined {
  const a = num(now?.[field]);
  const b = num(before?.[field]);
  return a !== undefined && b !== undefined ? a - b : undefined;
}

/** Turns two `getStats()` reports of one sender into a {@link QualitySample}. */
export function sampleFrom(report: Map<string, Stat>, previous: Map<string, Stat> | undefined): QualitySample {
  const all = [...report.values()];
  const outbound = all.find((s) => s.type === 'outbound-rtp' && s.kind === 'video');
  const remote = all.find((s) => s.type === 'remote-inbound-rtp' && s.kind === 'video');
  const transport = all.find((s) => s.type === 'transport' && s.selectedCandidatePairId);
  const pair =
    report.get(transport?.selectedCandidatePairId as string) ??
    all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
  const before = outbound && previous?.get(outbound.id);
  const time = num(outbound?.timestamp) ?? performance.now();
  const seconds = before ? (time - (num(before.timestamp) ?? time)) / 1000 : 0;
  // Loss since the previous reading, from the receiver's cumulative count against the packets sent: a receiver
  // report repeats its `fractionLost` until the next one, which would count one loss burst twice.
  const remoteBefore = remote && previous?.get(remote.id);
  const lost = delta(remote, remoteBefore, 'packetsLost');
  const sent = delta(outbound, before, 'packetsSent');
  const loss =
    lost !== undefined && sent !== undefined && sent + Math.max(lost, 0) > 0
      ? Math.min(Math.max(lost, 0) / (sent + Math.max(lost, 0)), 1)
      : num(remote?.fractionLost);
  const rate = (field: string, scale = 1): number | undefined => {
    const now = num(outbound?.[field]);
    const then = num(before?.[field]);
    return now !== undefined && then !== undefined && seconds > 0 ? ((now - then) * scale) / seconds : undefined;
  };
  return {
    time,
    bitrate: rate('bytesSent', 8),
    availableBitrate: num(pair?.availableOutgoingBitrate),
    limitation: outbound?.qualityLimitationReason as string | undefined,
    loss,
    rtt: num(remote?.roundTripTime) ?? num(pair?.currentRoundTripTime),
    framesEncoded: rate('framesEncoded'),
    framesSent: rate('framesSent'),
    frameWidth: num(outbound?.frameWidth),
    frameHeight: num(outbound?.frameHeight),
  };
}

/**
 * The I/O of the quality machine for one `RTCRtpSender`: reads its `getStats()` every `interval` ms and sends
 * back a {@link QualitySample}, and applies encoding settings with `setParameters` (one call at a time, each
 * on fresh `getParameters()`, as the API requires; retried at each reading until the sender takes them).
 */
export const qualitySenderActor = fromCallback<QualitySenderCommand, QualitySenderInput, QualitySenderEvent>(
  ({ input: { sender, interval }, sendBack, receive }) => {
    let previous: Map<string, Stat> | undefined;
    let stopped = false;
    const read = async (): Promise<void> => {
      const report = new Map<string, Stat>();
      (await sender.getStats()).forEach((stat: Stat) => report.set(stat.id, stat));
      // The first reading only starts the rates.
      if (previous && !stopped) sendBack({ type: 'quality.sample', sample: sampleFrom(report, previous) });
      previous = report;
      await apply();
    };
    const timer = setInterval(() => void read().catch(() => {}), interval);

    // The encoding to apply, until applied: a sender refuses parameters before its transceiver is negotiated,
    // so a refused one is tried again at each reading.
    let wanted: EncodingSettings | undefined;
    let applying = false;
    const apply = async (): Promise<void> => {
      if (applying || !wanted || stopped) return;
      applying = true;
      const encoding = wanted;
      try {
        const parameters = sender.getParameters();
        const [first] = parameters.encodings;
        if (!first) return;
        first.active = encoding.active;
        for (const key of ['maxBitrate', 'maxFramerate', 'scaleResolutionDownBy'] as const) {
          if (encoding[key] === undefined) delete first[key];
          else first[key] = encoding[key];
        }
        if (encoding.degradationPreference) parameters.degradationPreference = encoding.degradationPreference;
        await sender.setParameters(parameters);
        if (wanted === encoding) wanted = undefined;
      } catch {
        // Not negotiated yet, or closed: the next reading tries again.
      } finally {
        applying = false;
      }
      // A newer encoding arrived while this one was being applied.
      if (wanted && wanted !== encoding) await apply();
    };
    receive(({ encoding }) => {
      wanted = encoding;
      void apply();
    });
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  },
);
