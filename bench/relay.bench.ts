/**
 * `npm run bench:relay`: throughput, latency and idle memory of the rtc-kit relay against a bare `ws` relay.
 *
 * Each relay runs in its own child process; this process is the load generator. Method and figures:
 * docs/benchmarks.md. Flags (after `npm run bench:relay --`):
 *
 *   --quick         a short smoke run: 200 connections, 2 short windows per relay, 1 000 idle connections
 *   --json          print a machine-readable summary instead of the table
 *   --profile       write V8 CPU profiles of both relays' throughput runs (to a temporary directory)
 *   --only WHAT     run only the `throughput` or the `memory` part
 *   --inflight N    signals in flight during the throughput runs (default: one per connection)
 *   --redis         instead: per-node throughput of two rtc-kit nodes sharing rooms through a real
 *                   redis-server (every signal crosses nodes), against one in-memory node, in the same run
 *
 * Exits non-zero when something breaks (a signal lost, misrouted or reordered, an error frame, a dropped
 * connection, a relay crash), never because a figure misses its target.
 *
 * @module
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startRedis } from '../test/server/redis.js';
import { RelayChild, type ChildStats } from './child.js';
import { connectRooms, quantile, runClosedLoop, type BenchClient, type LoadResult } from './load.js';

/** The relays under test: a display name and the child script that runs it. */
const RELAYS = [
  { key: 'bare-ws', name: 'bare ws', script: './baseline-relay.ts' },
  { key: 'rtc-kit', name: 'rtc-kit', script: './relay-server.ts' },
] as const;

const THROUGHPUT_TARGET = 0.8;
const RSS_TARGET_KIB = 16;
/** Above this much of a core used by other processes, or this share stolen, a run is flagged as unreliable. */
const QUIET_OTHER_CPU = 0.1;
const QUIET_STEAL = 0.05;

/** The command line, checked; a bad flag ends the run with its usage error. */
function parseFlags(): {
  quick: boolean;
  json: boolean;
  profile: boolean;
  redis: boolean;
  only?: string;
  inflight?: number;
} {
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        profile: { type: 'boolean', default: false },
        redis: { type: 'boolean', default: false },
        only: { type: 'string' },
        inflight: { type: 'string' },
      },
    });
    if (values.only !== undefined && values.only !== 'throughput' && values.only !== 'memory')
      throw new Error(`--only takes throughput or memory, not "${values.only}"`);
    const inflight = values.inflight === undefined ? undefined : Number(values.inflight);
    if (inflight !== undefined && (!Number.isSafeInteger(inflight) || inflight < 1))
      throw new Error(`--inflight takes a positive whole number, not "${values.inflight}"`);
    return { ...values, inflight };
  } catch (error) {
    process.stderr.write(`bench:relay: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
}
const flags = parseFlags();

/** The load, full or `--quick`. */
const config = flags.quick
  ? { connections: 200, perRoom: 10, inflight: 200, rounds: 2, warmupMs: 300, windowMs: 700, idle: 1000 }
  : { connections: 1000, perRoom: 10, inflight: 1000, rounds: 5, warmupMs: 500, windowMs: 1500, idle: 5000 };
config.inflight = flags.inflight ?? config.inflight;
/** Room size for the idle-memory run: the relay's default cap. */
const IDLE_PER_ROOM = 16;
/** Connections opened and kept before the "before" RSS sample, so lazily loaded code is not counted per connection. */
const IDLE_WARMUP = 100;
const DRAIN_TIMEOUT_MS = 10_000;

/** One relay's throughput figures, over all its measured windows. */
interface ThroughputResult {
  relay: string;
  /** Median over the windows of signals delivered per second. */
  msgsPerSec: number;
  /** Slowest and fastest window. */
  msgsPerSecRange: [number, number];
  /** One-way latency percentiles over every signal delivered in a window. */
  p50Ms: number;
  p99Ms: number;
  /** Median over the windows of the relay process's CPU time, as a fraction of one core. */
  relayCpu: number;
  /** Median over the windows of the relay's CPU time per delivered signal, µs. */
  relayMicrosPerMsg: number;
  /** Median over the windows of the load generator's CPU time, as a fraction of one core. */
  generatorCpu: number;
  /** Median over the windows of other processes' CPU time, as a fraction of one core: should be near 0. */
  otherCpu: number;
  /** Median over the windows of the share of the VM's CPU time stolen by the hypervisor. */
  steal: number;
  /** Each window's throughput and CPU use. */
  windows: ({ msgsPerSec: number } & WindowCpu)[];
}

/** One relay's idle-memory run. */
interface MemoryResult {
  relay: string;
  connections: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  rssPerConnectionKiB: number;
  heapPerConnectionKiB: number;
}

const failures: string[] = [];
const started = performance.now();
/** A progress line on stderr, stamped with the seconds since the start. */
const progress = (line: string): void => {
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
};

process.on('exit', () => RelayChild.killAll());
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    RelayChild.killAll();
    process.exit(130);
  });

/** Drops every client's connection. */
function terminateAll(rooms: BenchClient[][]): void {
  for (const members of rooms) for (const client of members) client.terminate();
}

/** The median of `values` (mean of the middle two for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Host-wide CPU time from /proc/stat (Linux), in clock ticks summed over every CPU. */
interface HostTimes {
  /** user + nice + system: time processes ran. */
  busy: number;
  /** Time the hypervisor gave this VM's CPUs to someone else. */
  steal: number;
  total: number;
}

/** The host's CPU times, or `undefined` where /proc/stat does not exist. */
function hostTimes(): HostTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [user = 0, nice = 0, system = 0, ...rest] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    return {
      busy: user + nice + system,
      steal: rest[4] ?? 0,
      total: [user, nice, system, ...rest].reduce((a, b) => a + b, 0),
    };
  } catch {
    return undefined;
  }
}

/** CPU time of the relay child, this process and the host, taken together at one edge of a window. */
interface Sample {
  relay: ChildStats;
  generator: NodeJS.CpuUsage;
  at: number;
  host?: HostTimes;
}

/** Samples the relay child's CPU time, then this process's and the host's. */
async function sample(child: RelayChild): Promise<Sample> {
  const relay = await child.stats();
  return { relay, generator: process.cpuUsage(), at: performance.now(), host: hostTimes() };
}

/** CPU use over one window, each as a fraction of one core. */
interface WindowCpu {
  relay: number;
  generator: number;
  /** Processes other than the relay and the generator: anything else running on the machine. */
  other: number;
  /** Stolen by the hypervisor, as a fraction of all the VM's CPU time. */
  steal: number;
}

/** CPU use between two samples. */
function windowCpu(a: Sample, b: Sample): WindowCpu {
  const relay = (b.relay.cpu - a.relay.cpu) / 1000 / (b.relay.at - a.relay.at);
  const generator =
    (b.generator.user + b.generator.system - a.generator.user - a.generator.system) / 1000 / (b.at - a.at);
  if (!a.host || !b.host || b.host.total === a.host.total) return { relay, generator, other: NaN, steal: NaN };
  const total = b.host.total - a.host.total;
  const busyCores = ((b.host.busy - a.host.busy) / total) * cpus().length;
  return {
    relay,
    generator,
    other: Math.max(0, busyCores - relay - generator),
    steal: (b.host.steal - a.host.steal) / total,
  };
}

/**
 * The throughput runs: both relays start in child processes and get their clients, then take turns under the
 * closed-loop load for `config.rounds` windows each (alternating which goes first), so both see the same
 * machine conditions. Also returns the throughput ratio rtc-kit / bare ws: the median over the rounds of the
 * ratio of the two windows of each round.
 */
async function throughput(profileDir?: string): Promise<{ results: ThroughputResult[]; ratio: number }> {
  const children: RelayChild[] = [];
  const clients: BenchClient[][][] = [];
  try {
    for (const relay of RELAYS) {
      progress(`${relay.name}: starting, ${config.connections} connections…`);
      const child = await RelayChild.start(`${relay.key}-throughput`, relay.script, profileDir);
      children.push(child);
      clients.push(await connectRooms(child.url, config.connections, config.perRoom, 'bench'));
    }
    const windows = RELAYS.map(() => ({ runs: [] as LoadResult[], cpu: [] as WindowCpu[] }));
    for (let round = 0; round < config.rounds; round++) {
      const order = RELAYS.map((_, i) => i);
      if (round % 2) order.reverse();
      for (const i of order) {
        const child = children[i]!;
        let start: Sample | undefined;
        let cpu: WindowCpu | undefined;
        progress(`${RELAYS[i]!.name}: window ${round + 1} of ${config.rounds}…`);
        const run = await runClosedLoop(clients[i]!, {
          inflight: config.inflight,
          warmupMs: config.warmupMs,
          durationMs: config.windowMs,
          drainTimeoutMs: DRAIN_TIMEOUT_MS,
          onWindow: async (edge) => {
            if (edge === 'start') start = await sample(child);
            else if (start) cpu = windowCpu(start, await sample(child));
          },
        });
        for (const failure of run.failures) failures.push(`${RELAYS[i]!.name}: ${failure}`);
        windows[i]!.runs.push(run);
        windows[i]!.cpu.push(cpu ?? { relay: NaN, generator: run.generatorCpu, other: NaN, steal: NaN });
      }
    }
    const results = RELAYS.map((relay, i): ThroughputResult => {
      const { runs, cpu } = windows[i]!;
      const rates = runs.map((r) => (r.delivered / r.windowMs) * 1000);
      const latencies = new Float64Array(runs.reduce((n, r) => n + r.latencies.length, 0));
      let offset = 0;
      for (const run of runs) {
        latencies.set(run.latencies, offset);
        offset += run.latencies.length;
      }
      latencies.sort();
      return {
        relay: relay.name,
        msgsPerSec: median(rates),
        msgsPerSecRange: [Math.min(...rates), Math.max(...rates)],
        p50Ms: quantile(latencies, 0.5),
        p99Ms: quantile(latencies, 0.99),
        relayCpu: median(cpu.map((c) => c.relay)),
        relayMicrosPerMsg: median(cpu.map((c, w) => (c.relay / rates[w]!) * 1e6)),
        generatorCpu: median(cpu.map((c) => c.generator)),
        otherCpu: median(cpu.map((c) => c.other)),
        steal: median(cpu.map((c) => c.steal)),
        windows: cpu.map((c, w) => ({ msgsPerSec: rates[w]!, ...c })),
      };
    });
    // Each round's rtc-kit window over its bare ws window, taken back to back: the pairing cancels slow drifts.
    const rates = windows.map(({ runs }) => runs.map((r) => r.delivered / r.windowMs));
    const ratio = median(rates[1]!.map((kit, round) => kit / rates[0]![round]!));
    return { results, ratio };
  } finally {
    for (const rooms of clients) terminateAll(rooms);
    await Promise.all(children.map((child) => child.stop()));
  }
}

/** Measures one fresh relay's RSS before and after `config.idle` connections join rooms and sit idle. */
async function memory(relay: (typeof RELAYS)[number]): Promise<MemoryResult> {
  progress(`${relay.name}: idle memory, ${config.idle} connections…`);
  const child = await RelayChild.start(`${relay.key}-memory`, relay.script);
  const rooms: BenchClient[][] = [];
  try {
    rooms.push(...(await connectRooms(child.url, IDLE_WARMUP, IDLE_PER_ROOM, 'warm')));
    const before = await child.stats(true);
    rooms.push(...(await connectRooms(child.url, config.idle, IDLE_PER_ROOM, 'idle')));
    const after = await child.stats(true);
    if (after.peers !== IDLE_WARMUP + config.idle)
      failures.push(`${relay.name}: relay holds ${after.peers} peers, expected ${IDLE_WARMUP + config.idle}`);
    return {
      relay: relay.name,
      connections: config.idle,
      rssBeforeBytes: before.rss,
      rssAfterBytes: after.rss,
      rssPerConnectionKiB: (after.rss - before.rss) / config.idle / 1024,
      heapPerConnectionKiB: (after.heapUsed - before.heapUsed) / config.idle / 1024,
    };
  } finally {
    terminateAll(rooms);
    await child.stop();
  }
}

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const percent = (share: number): string => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : 'n/a');

const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** The human-readable report. */
function report(summary: Summary): string {
  const { throughput: runs, memory: idle } = summary;
  const rooms = config.connections / config.perRoom;
  const row = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(9) : cell.padStart([0, 9, 17, 8, 8, 10, 8, 10][i]!))).join(' ');
  const lines = [
    `rtc-kit relay benchmark${flags.quick ? ' (--quick)' : ''}: Node ${process.version}, ${availableParallelism()} CPUs, ${process.platform} ${process.arch}`,
    '',
    `Load: ${config.connections} ws clients in ${rooms} rooms of ${config.perRoom} on loopback, closed loop: ${config.inflight} signals in flight;`,
    `whenever a client receives one it sends the next to its next room mate. Each ~220-byte signal carries an ICE`,
    `candidate, its send time and a per-pair sequence number (checked: none lost, misrouted or reordered).`,
    `Each relay runs in its own child process, the load generator in this one. The relays take turns: ${config.rounds} windows`,
    `each of ${config.windowMs / 1000} s after ${config.warmupMs / 1000} s of warm-up. msgs/s = signals delivered per second (median window,`,
    `slowest–fastest); latency = send → delivery on the generator's clock, over all windows. rtc-kit runs with`,
    `rateLimit = rateBurst = 1e9 (its limiter never trips) and logLevel silent.`,
    '',
    row(['relay', 'msgs/s', 'range', 'p50 ms', 'p99 ms', 'relay CPU', 'µs/msg', 'load CPU']),
    ...runs.map((r) =>
      row([
        r.relay,
        count(r.msgsPerSec),
        `${count(r.msgsPerSecRange[0])}–${count(r.msgsPerSecRange[1])}`,
        fixed(r.p50Ms, 1),
        fixed(r.p99Ms, 1),
        percent(r.relayCpu),
        fixed(r.relayMicrosPerMsg, 1),
        percent(r.generatorCpu),
      ]),
    ),
    `ratio (rtc-kit / bare ws throughput, median of the rounds): ${fixed(summary.ratio, 2)}× (target ≥ ${THROUGHPUT_TARGET}×)`,
    `relay CPU per message (bare ws / rtc-kit): ${fixed(summary.costRatio, 2)}×`,
    `other processes on the machine during the windows (median): ` +
      runs.map((r) => `${r.relay} ${percent(r.otherCpu)} of a core`).join(', ') +
      `; hypervisor steal: ${runs.map((r) => percent(r.steal)).join(', ')}`,
    ...(summary.quiet
      ? []
      : ['WARNING: the machine was busy with other work during the windows; these figures are not reliable.']),
    '',
    `idle connection RSS (${config.idle} connections in rooms of ${IDLE_PER_ROOM}, after GC): ` +
      idle.map((m) => `${m.relay} ${fixed(m.rssPerConnectionKiB, 1)} KiB`).join(', ') +
      ` (target ≤ ${RSS_TARGET_KIB} KiB)`,
    `  of which V8 heap: ${idle.map((m) => `${m.relay} ${fixed(m.heapPerConnectionKiB, 1)} KiB`).join(', ')}`,
  ];
  if (summary.profiles) lines.push('', `CPU profiles of the relays' throughput runs: ${summary.profiles}`);
  return lines.join('\n');
}

/** Everything the benchmark measured; what `--json` prints. */
interface Summary {
  node: string;
  cpus: number;
  quick: boolean;
  config: typeof config;
  throughput: ThroughputResult[];
  /** rtc-kit msgs/s over bare ws msgs/s: the median over the rounds of each round's ratio. */
  ratio: number;
  throughputTarget: number;
  /** bare ws relay CPU per message over rtc-kit's. */
  costRatio: number;
  /** Whether the machine was quiet: other processes and hypervisor steal took little CPU during the windows. */
  quiet: boolean;
  memory: MemoryResult[];
  rssTargetKiB: number;
  profiles?: string;
  failures: string[];
}

/** One setup's figures in the `--redis` comparison. */
interface ScaleOutResult {
  setup: string;
  nodes: number;
  /** Median window: signals delivered per second, all nodes together. */
  msgsPerSec: number;
  /** The same, per node. */
  perNode: number;
  p50Ms: number;
  p99Ms: number;
  /** Median window: CPU of each node, as a fraction of one core (mean over the nodes). */
  nodeCpu: number;
}

/**
 * `--redis`: one in-memory node against two nodes sharing rooms through a real redis-server, with each room's
 * members alternating between the two nodes so every signal goes through Redis. Both setups get their clients
 * up front, then take turns, as in the main comparison.
 */
async function scaleOut(): Promise<ScaleOutResult[]> {
  progress('starting redis-server…');
  const redis = await startRedis();
  const setups: { name: string; children: RelayChild[]; clients: BenchClient[][] }[] = [];
  try {
    const memory = await RelayChild.start('memory', './relay-server.ts');
    setups.push({ name: 'in-memory', children: [memory], clients: [] });
    const env = { RTC_BENCH_REDIS_URL: redis.url };
    const nodes = [
      await RelayChild.start('redis-a', './relay-server.ts', undefined, env),
      await RelayChild.start('redis-b', './relay-server.ts', undefined, env),
    ];
    setups.push({ name: 'redis, 2 nodes', children: nodes, clients: [] });
    for (const setup of setups) {
      progress(`${setup.name}: ${config.connections} connections…`);
      const urls = setup.children.map((child) => child.url);
      setup.clients = await connectRooms(urls, config.connections, config.perRoom, 'scale');
    }
    const runs = setups.map(() => ({ rates: [] as number[], cpu: [] as number[], latencies: [] as Float64Array[] }));
    for (let round = 0; round < config.rounds; round++) {
      const order = round % 2 ? [1, 0] : [0, 1];
      for (const i of order) {
        const setup = setups[i]!;
        let start: ChildStats[] = [];
        let cpu = NaN;
        progress(`${setup.name}: window ${round + 1} of ${config.rounds}…`);
        const run = await runClosedLoop(setup.clients, {
          inflight: config.inflight,
          warmupMs: config.warmupMs,
          durationMs: config.windowMs,
          drainTimeoutMs: DRAIN_TIMEOUT_MS,
          onWindow: async (edge) => {
            const stats = await Promise.all(setup.children.map((child) => child.stats()));
            if (edge === 'start') start = stats;
            else cpu = median(stats.map((b, n) => (b.cpu - start[n]!.cpu) / 1000 / (b.at - start[n]!.at)));
          },
        });
        for (const failure of run.failures) failures.push(`${setup.name}: ${failure}`);
        runs[i]!.rates.push((run.delivered / run.windowMs) * 1000);
        runs[i]!.cpu.push(cpu);
        runs[i]!.latencies.push(run.latencies);
      }
    }
    return setups.map((setup, i): ScaleOutResult => {
      const { rates, cpu, latencies } = runs[i]!;
      const all = new Float64Array(latencies.reduce((n, l) => n + l.length, 0));
      let offset = 0;
      for (const l of latencies) {
        all.set(l, offset);
        offset += l.length;
      }
      all.sort();
      const msgsPerSec = median(rates);
      return {
        setup: setup.name,
        nodes: setup.children.length,
        msgsPerSec,
        perNode: msgsPerSec / setup.children.length,
        p50Ms: quantile(all, 0.5),
        p99Ms: quantile(all, 0.99),
        nodeCpu: median(cpu),
      };
    });
  } finally {
    for (const setup of setups) terminateAll(setup.clients);
    await Promise.all(setups.flatMap((setup) => setup.children.map((child) => child.stop())));
    await redis.stop();
  }
}

/** The `--redis` report. */
function scaleOutReport(results: ScaleOutResult[]): string {
  const row = (cells: string[]): string =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(15) : cell.padStart(10))).join(' ');
  return [
    `rtc-kit relay scale-out benchmark${flags.quick ? ' (--quick)' : ''}: Node ${process.version}, ${availableParallelism()} CPUs`,
    '',
    `Load: ${config.connections} ws clients in rooms of ${config.perRoom}, ${config.inflight} signals in flight, ${config.rounds} windows of`,
    `${config.windowMs / 1000} s per setup. With Redis, each room's members alternate between the two nodes, so every signal`,
    'goes node → Redis → node. Everything (nodes, redis-server, load generator) shares this machine.',
    '',
    row(['setup', 'msgs/s', 'per node', 'p50 ms', 'p99 ms', 'node CPU']),
    ...results.map((r) =>
      row([r.setup, count(r.msgsPerSec), count(r.perNode), fixed(r.p50Ms, 1), fixed(r.p99Ms, 1), percent(r.nodeCpu)]),
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  if (flags.redis) {
    const results = await scaleOut();
    process.stdout.write(
      `${flags.json ? JSON.stringify({ scaleOut: results, failures }, null, 2) : scaleOutReport(results)}\n`,
    );
    if (failures.length > 0) {
      for (const failure of failures) progress(`FAILED ${failure}`);
      process.exitCode = 1;
    }
    return;
  }
  const profiles = flags.profile ? mkdtempSync(join(tmpdir(), 'rtc-kit-bench-')) : undefined;
  const { results, ratio } = flags.only === 'memory' ? { results: [], ratio: NaN } : await throughput(profiles);
  const idle: MemoryResult[] = [];
  if (flags.only !== 'throughput') for (const relay of RELAYS) idle.push(await memory(relay));

  const [bare, kit] = results;
  const summary: Summary = {
    node: process.version,
    cpus: availableParallelism(),
    quick: flags.quick,
    config,
    throughput: results,
    ratio,
    throughputTarget: THROUGHPUT_TARGET,
    costRatio: kit && bare ? bare.relayMicrosPerMsg / kit.relayMicrosPerMsg : NaN,
    quiet: results.every((r) => !(r.otherCpu > QUIET_OTHER_CPU) && !(r.steal > QUIET_STEAL)),
    memory: idle,
    rssTargetKiB: RSS_TARGET_KIB,
    profiles,
    failures,
  };
  process.stdout.write(`${flags.json ? JSON.stringify(summary, null, 2) : report(summary)}\n`);
  if (failures.length > 0) {
    for (const failure of failures) progress(`FAILED ${failure}`);
    process.exitCode = 1;
  }
}

try {
  await main();
} catch (error) {
  for (const failure of failures) progress(`FAILED ${failure}`);
  progress(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  RelayChild.killAll();
  // Clients of a relay that failed mid-connect may still hold the event loop open.
  process.exit(1);
}
