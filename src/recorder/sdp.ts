/**
 * Reads SDP and ICE candidates down to what a person debugging needs (media sections, codecs, candidate types),
 * without the addresses, fingerprints and ICE credentials they carry. Pure.
 *
 * @module
 */

/** One media section (`m=` line) of a session description. */
export interface MediaSectionSummary {
  /** `audio`, `video` or `application` (data channels). */
  kind: string;
  /** The section's `a=mid`, when present. */
  mid?: string;
  /** `sendrecv`, `sendonly`, `recvonly` or `inactive`; `rejected` when the port is 0. */
  direction: string;
  /** Codec names in order of preference, without repair formats (`rtx`, `red`, `ulpfec`): `VP8`, `opus`… */
  codecs: string[];
}

/** What a session description says, without anything that identifies a host. */
export interface SdpSummary {
  /** Media sections, in order. */
  mlines: MediaSectionSummary[];
  /** How many `a=candidate` lines it holds. */
  candidates: number;
  /** Length of the SDP text, in characters. */
  bytes: number;
}

/** What an ICE candidate says, without its address and port. */
export interface CandidateSummary {
  /** `host`, `srflx`, `prflx` or `relay`. */
  type: string;
  /** `udp` or `tcp`. */
  protocol: string;
  /** 1 (RTP) or 2 (RTCP). */
  component?: number;
}

const REPAIR = new Set(['rtx', 'red', 'ulpfec', 'flexfec-03']);

/**
 * Summarises an SDP blob: media sections with direction and codecs, and the number of candidates.
 *
 * @example
 * summariseSdp(offer.sdp); // { mlines: [{ kind: 'audio', mid: '0', direction: 'sendrecv', codecs: ['opus'] }, …], candidates: 0, bytes: 4321 }
 */
export function summariseSdp(sdp: string): SdpSummary {
  const mlines: (MediaSectionSummary & { port: string })[] = [];
  let candidates = 0;
  let current: (MediaSectionSummary & { port: string }) | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const [kind = '?', port = '0'] = line.slice(2).split(' ');
      current = { kind, direction: 'sendrecv', codecs: [], port };
      mlines.push(current);
    } else if (line.startsWith('a=candidate:')) candidates++;
    else if (current) {
      if (line.startsWith('a=mid:')) current.mid = line.slice(6);
      else if (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(line)) current.direction = line.slice(2);
      else if (line.startsWith('a=rtpmap:')) {
        const name = line.split(' ')[1]?.split('/')[0];
        if (name && !REPAIR.has(name.toLowerCase()) && !current.codecs.includes(name)) current.codecs.push(name);
      } else if (line.startsWith('a=sctp-port:') && !current.codecs.includes('SCTP')) current.codecs.push('SCTP');
    }
  }
  return {
    mlines: mlines.map(({ port, ...section }) => (port === '0' ? { ...section, direction: 'rejected' } : section)),
    candidates,
    bytes: sdp.length,
  };
}

/**
 * Summarises an ICE candidate line (`candidate:842163049 1 udp 1677729535 192.0.2.1 54321 typ srflx …`).
 *
 * @example
 * summariseCandidate('candidate:1 1 udp 2122260223 192.0.2.1 54321 typ host'); // { type: 'host', protocol: 'udp', component: 1 }
 */
export function summariseCandidate(candidate: string): CandidateSummary {
  const fields = candidate.replace(/^a=/, '').split(' ');
  const typ = fields.indexOf('typ');
  const component = Number(fields[1]);
  return {
    type: typ >= 0 ? (fields[typ + 1] ?? '?') : '?',
    protocol: (fields[2] ?? '?').toLowerCase(),
    ...(Number.isFinite(component) ? { component } : {}),
  };
}
