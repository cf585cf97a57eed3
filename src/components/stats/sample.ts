/**
 * Turns `RTCPeerConnection.getStats()` reports into the figures `<rtc-stats>` shows. Pure: no timers, no
 * connection, so it can be tested with plain objects.
 *
 * @module
 */

import type { QualityLevel } from '../../machines/quality.machine.js';

/** One entry of a stats report, as `getStats()` gives it: an id, a type, and fields that depend on the type. */
export interface RtcStat {
  id: string;
  type: string;
  [field: string]: unknown;
}

/** What {@link sampleStats} reads: an `RTCStatsReport`, or a `Map` of plain objects in tests. */
export type StatsReportLike = ReadonlyMap<string, RtcStat>;

/** ICE candidate types, from the most direct to the least. */
export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

/** The figures for one participant at one moment. Figures the browser did not report are `null`. */
export interface StatsSample {
  /** When the report was read, in ms since the epoch. */
  time: number;
  /** Incoming bitrate over the interval, every audio and video stream together, in kbit/s. `null` on the first sample. */
  bitrateIn: number | null;
  /** Outgoing bitrate over the interval, every audio and video stream together, in kbit/s. `null` on the first sample. */
  bitrateOut: number | null;
  /** Round-trip time of the connection, in ms. */
  rtt: number | null;
  /** Jitter of the incoming streams (the worst of them), in ms. */
  jitter: number | null;
  /** Share of incoming packets lost over the interval, 0–100. `null` on the first sample or when none were due. */
  loss: number | null;
  /** Frames per second of the incoming video. */
  fps: number | null;
  /** Size of the incoming video, in pixels. */
  resolution: { width: number; height: number } | null;
  /** Codec of the incoming video, e.g. `VP8`. */
  codec: string | null;
  /** Codec of the incoming audio, e.g. `opus`. */
  audioCodec: string | null;
  /** Candidate type of this side of the connection in use. */
  localCandidateType: CandidateType | null;
  /** Candidate type of the other side of the connection in use. */
  remoteCandidateType: CandidateType | null;
  /**
   * How the media travels, from the two candidate types: `relay` when either side goes through a TURN server,
   * else `srflx` when either side is behind a NAT found with STUN, else `prflx` when a side was discovered
   * during the checks, else `host` (a direct path).
   */
  connectionType: CandidateType | null;
  /** The quality level of the video sent to this participant (see the quality machine), when known. */
  quality?: QualityLevel;
}

/** What `<rtc-stats>` knows of one participant. */
export interface PeerStats {
  /** The participant's name (`meta.name`), or `Guest`. */
  name: string;
  /** The most recent sample. */
  latest: StatsSample;
  /** The samples of the last 60 s, oldest first; the last one is `latest`. */
  history: StatsSample[];
}

/** Counters kept from one report to compute rates at the next. */
export interface StatsCounters {
  /** When the report was read, in ms since the epoch. */
  time: number;
  /** Per RTP stream id: bytes received or sent, packets received and lost. */
  streams: Record<string, { bytesIn?: number; bytesOut?: number; received?: number; lost?: number }>;
}

/** A sample and the counters to pass as `previous` next time. */
export interface SampleResult {
  sample: StatsSample;
  counters: StatsCounters;
}

const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

const CANDIDATE_TYPES: readonly CandidateType[] = ['host', 'srflx', 'prflx', 'relay'];
const candidateType = (value: unknown): CandidateType | null =>
  CANDIDATE_TYPES.includes(value as CandidateType) ? (value as CandidateType) : null;

/** The least direct of two candidate types: what the path between the two sides really is. */
function pathType(local: CandidateType | null, remote: CandidateType | null): CandidateType | null {
  if (!local && !remote) return null;
  for (const type of ['relay', 'srflx', 'prflx'] as const) if (local === type || remote === type) return type;
  return 'host';
}

/** `video/VP8` → `VP8`. */
const codecName = (report: StatsReportLike, id: unknown): string | null => {
  const codec = typeof id === 'string' ? report.get(id) : undefined;
  const mime = text(codec?.mimeType);
  return mime ? (mime.split('/')[1] ?? mime) : null;
};

/** The candidate pair in use: the transport's selected pair, else one flagged `selected` (Firefox) or nominated. */
function selectedPair(report: StatsReportLike): RtcStat | undefined {
  const all = [...report.values()];
  for (const transport of all)
    if (transport.type === 'transport') {
      const pair = report.get(String(transport.selectedCandidatePairId ?? ''));
      if (pair) return pair;
    }
  const pairs = all.filter((stat) => stat.type === 'candidate-pair');
  return (
    pairs.find((pair) => pair.selected === true) ??
    pairs.find((pair) => pair.nominated === true && pair.state === 'succeeded')
  );
}

/** Bytes or packets since the last report; a stream not seen before counts from zero, a counter reset as zero. */
function delta(now: number | undefined, before: number | undefined, first: boolean): number {
  if (now === undefined || first) return 0;
  if (before === undefined) return now;
  return Math.max(0, now - before);
}

/**
 * Computes one {@link StatsSample} from a stats report and the counters kept from the previous one.
 *
 * Bitrates and loss are rates over the time since `previous`; without it (the first report of a connection)
 * they are `null`. Everything else is read from `report` alone.
 *
 * @param previous - The `counters` returned last time for the same connection, or `undefined`.
 * @param report - What `RTCPeerConnection.getStats()` resolved to (or a `Map` of plain stats objects).
 * @param now - When the report was read, in ms since the epoch.
 *
 * @example
 * let previous: StatsCounters | undefined;
 * setInterval(async () => {
 *   const { sample, counters } = sampleStats(previous, await pc.getStats(), Date.now());
 *   previous = counters;
 *   console.log(`${sample.bitrateIn} kbit/s in, ${sample.rtt} ms`);
 * }, 1000);
 */
export function sampleStats(previous: StatsCounters | undefined, report: StatsReportLike, now: number): SampleResult {
  const first = !previous;
  const streams: StatsCounters['streams'] = {};
  let bytesIn = 0;
  let bytesOut = 0;
  let received = 0;
  let lost = 0;
  let jitter: number | null = null;
  const remoteRtts: number[] = [];
  /** The main incoming video: the one that received the most bytes. */
  let video: RtcStat | undefined;
  let audio: RtcStat | undefined;

  for (const stat of report.values()) {
    const before = previous?.streams[stat.id];
    if (stat.type === 'inbound-rtp') {
      const counters = {
        bytesIn: number(stat.bytesReceived),
        received: number(stat.packetsReceived),
        lost: number(stat.packetsLost),
      };
      streams[stat.id] = counters;
      bytesIn += delta(counters.bytesIn, before?.bytesIn, first);
      received += delta(counters.received, before?.received, first);
      // packetsLost can go down when late packets arrive after all; a negative delta is no loss.
      lost += delta(counters.lost, before?.lost, first);
      const streamJitter = number(stat.jitter);
      if (streamJitter !== undefined) jitter = Math.max(jitter ?? 0, streamJitter * 1000);
      const kind = stat.kind ?? stat.mediaType;
      if (kind === 'video' && (number(stat.bytesReceived) ?? 0) >= (number(video?.bytesReceived) ?? -1)) video = stat;
      if (kind === 'audio' && (number(stat.bytesReceived) ?? 0) >= (number(audio?.bytesReceived) ?? -1)) audio = stat;
    } else if (stat.type === 'outbound-rtp') {
      const counters = { bytesOut: number(stat.bytesSent) };
      streams[stat.id] = counters;
      bytesOut += delta(counters.bytesOut, before?.bytesOut, first);
    } else if (stat.type === 'remote-inbound-rtp') {
      const rtt = number(stat.roundTripTime);
      if (rtt !== undefined) remoteRtts.push(rtt * 1000);
    }
  }

  const pair = selectedPair(report);
  const pairRtt = number(pair?.currentRoundTripTime);
  const rtt =
    pairRtt !== undefined
      ? pairRtt * 1000
      : remoteRtts.length
        ? remoteRtts.reduce((sum, value) => sum + value, 0) / remoteRtts.length
        : null;
  const localCandidateType = candidateType(report.get(String(pair?.localCandidateId ?? ''))?.candidateType);
  const remoteCandidateType = candidateType(report.get(String(pair?.remoteCandidateId ?? ''))?.candidateType);

  const elapsed = previous ? now - previous.time : 0;
  const rate = (bytes: number): number | null => (previous && elapsed > 0 ? (bytes * 8) / elapsed : null);
  const due = received + lost;
  const width = number(video?.frameWidth);
  const height = number(video?.frameHeight);

  return {
    sample: {
      time: now,
      // bits per millisecond are kilobits per second.
      bitrateIn: rate(bytesIn),
      bitrateOut: rate(bytesOut),
      rtt,
      jitter,
      loss: previous && due > 0 ? (lost / due) * 100 : null,
      fps: number(video?.framesPerSecond) ?? null,
      resolution: width && height ? { width, height } : null,
      codec: codecName(report, video?.codecId),
      audioCodec: codecName(report, audio?.codecId),
      localCandidateType,
      remoteCandidateType,
      connectionType: pathType(localCandidateType, remoteCandidateType),
    },
    counters: { time: now, streams },
  };
}
