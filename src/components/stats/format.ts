import type { CandidateType } from './sample.js';

/** A figure ready to show: the number as text, and its unit. */
export interface Figure {
  value: string;
  unit: string;
}

const DASH: Figure = { value: '—', unit: '' };

const decimals = (value: number, digits: number): string =>
  value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** kbit/s as `845 kbps` or `1.24 Mbps`. */
export function formatBitrate(kbps: number | null | undefined): Figure {
  if (kbps == null) return DASH;
  if (kbps >= 1000) return { value: decimals(kbps / 1000, kbps >= 10_000 ? 1 : 2), unit: 'Mbps' };
  return { value: decimals(kbps, 0), unit: 'kbps' };
}

/** Milliseconds, with one decimal under 10 ms. */
export function formatMs(ms: number | null | undefined): Figure {
  if (ms == null) return DASH;
  return { value: decimals(ms, ms < 10 ? 1 : 0), unit: 'ms' };
}

/** A percentage, with one decimal. */
export function formatPercent(percent: number | null | undefined): Figure {
  if (percent == null) return DASH;
  return { value: decimals(percent, percent > 0 && percent < 0.1 ? 2 : 1), unit: '%' };
}

/** Frames per second, whole. */
export function formatFps(fps: number | null | undefined): Figure {
  if (fps == null) return DASH;
  return { value: decimals(fps, 0), unit: 'fps' };
}

/** What each path type means, in words. */
export const CONNECTION_LABELS: Record<CandidateType, string> = {
  host: 'Direct',
  srflx: 'Through NAT',
  prflx: 'Through NAT',
  relay: 'Relayed',
};
