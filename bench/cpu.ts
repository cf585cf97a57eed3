/**
 * The CPU sampler the browser benchmarks share: how much of the machine other processes used while they ran, from
 * `/proc/stat` and this process tree's CPU time (Linux only; elsewhere every sample is `null`).
 *
 * @example
 * const start = cpuSample();
 * await measure();
 * const others = othersCpu(start, cpuSample()); // 0.12: other processes used 12 % of the machine
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Above this share of the machine's CPU used by other processes during the runs, a benchmark flags its result. */
export const BUSY_OTHERS = 0.1;

/** CPU time in clock ticks: the whole machine's busy and total time, and this process tree's. */
export interface CpuSample {
  busy: number;
  total: number;
  ours: number;
}

/** The machine's and this process tree's CPU time now, or `null` where `/proc` is not readable. */
export function cpuSample(): CpuSample | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    const parents = new Map<number, number>();
    const ticks = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // Fields after the command name (which may hold spaces): state, ppid, … utime is the 14th field.
        const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
        parents.set(Number(entry), Number(rest[1]));
        ticks.set(Number(entry), Number(rest[11]) + Number(rest[12]));
      } catch {
        // The process ended meanwhile.
      }
    }
    const isOurs = (pid: number): boolean => {
      for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = parents.get(p), hops++)
        if (p === process.pid) return true;
      return false;
    };
    let ours = 0;
    for (const [pid, t] of ticks) if (isOurs(pid)) ours += t;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait, ours };
  } catch {
    return null;
  }
}

/**
 * Share (0–1) of the machine's CPU time that processes outside this process tree (the benchmark, its browser, its
 * relay children) used between two samples, or `null` when either is missing.
 */
export function othersCpu(start: CpuSample | null, end: CpuSample | null): number | null {
  return start && end && end.total > start.total
    ? Math.max(0, end.busy - start.busy - (end.ours - start.ours)) / (end.total - start.total)
    : null;
}
