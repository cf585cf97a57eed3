/** Statistics the browser benchmarks share: quantiles and a bootstrap interval of a ratio of medians. */

/** `p`-quantile (0–1) of `values`, interpolating between the closest ranks. */
export function quantile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = (sorted.length - 1) * p;
  const below = Math.floor(rank);
  const low = sorted[below] as number;
  const high = sorted[Math.min(below + 1, sorted.length - 1)] as number;
  return low + (high - low) * (rank - below);
}

export interface Stat {
  median: number;
  p90: number;
}
export const stat = (values: readonly number[]): Stat => ({
  median: quantile(values, 0.5),
  p90: quantile(values, 0.9),
});

/** A small seeded PRNG (mulberry32), so the bootstrap gives the same interval for the same runs. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 95% bootstrap interval of median(a) / median(b): how far the ratio could move with other runs like these. */
export function ratioInterval(a: readonly number[], b: readonly number[], rounds = 2000): [number, number] {
  if (!a.length || !b.length) return [NaN, NaN];
  const next = random(42);
  const resample = (v: readonly number[]): number[] => v.map(() => v[Math.floor(next() * v.length)] as number);
  const ratios = Array.from({ length: rounds }, () => quantile(resample(a), 0.5) / quantile(resample(b), 0.5));
  return [quantile(ratios, 0.025), quantile(ratios, 0.975)];
}
