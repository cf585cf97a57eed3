/**
 * Network namespaces for the network suite: two namespaces joined by a veth pair, and `tc` shaping on either end.
 *
 * Every command runs through `execFile` with an argument array; nothing is ever handed to a shell. Creating a
 * namespace needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN): {@link netnsSkipReason} says when a suite should skip.
 *
 * @module
 */
import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One end of the link: a namespace, its veth device and the address on it. */
export interface Endpoint {
  /** The namespace's name, for `ip netns exec` and `ip -n`. */
  readonly ns: string;
  /** The veth device inside the namespace. */
  readonly dev: string;
  /** The IPv4 address on `dev`, without the prefix length. */
  readonly address: string;
}

/** Two namespaces joined by a veth pair, created by {@link createLink}. */
export interface Link {
  readonly a: Endpoint;
  readonly b: Endpoint;
  /**
   * Deletes both namespaces, which removes the veth pair. Processes still running inside keep a namespace alive
   * after its name is gone, so stop them first. Safe to call twice.
   */
  destroy(): Promise<void>;
}

/** Token-bucket shaping of a device's egress, as `tc qdisc ... tbf` takes it. */
export interface Shaping {
  /** Sustained rate, kbit/s. */
  rateKbit: number;
  /** Bucket size, kbit (default 32: four 1500-byte packets, so full-size packets always fit). */
  burstKbit?: number;
  /** Longest a packet may wait in the queue before it is dropped, ms (default 50). */
  latencyMs?: number;
}

/** Names start with this, then `a-`/`b-` and the creating process's pid, so stale ones can be found. */
const PREFIX = 'rtcq-';
const created = new Set<string>();

/**
 * Why the network suite cannot run here, or `undefined` when it can try. Only a non-root user is a reason to
 * skip: as root, anything that then fails (no `ip`, namespaces not permitted) is a test failure.
 *
 * @example
 * describe('#shaping', { skip: netnsSkipReason() }, () => { … });
 */
export function netnsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root: run the network suite as root (CI does)';
  return undefined;
}

/** Runs `command args…`, turning a failure into an error that shows the command and its stderr. */
async function exec(command: string, args: string[]): Promise<string> {
  try {
    return (await run(command, args, { encoding: 'utf8' })).stdout;
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: string };
    if (code === 'ENOENT') {
      throw new Error(`${command} not found: install iproute2 (Debian: apt-get install iproute2)`, { cause: error });
    }
    throw new Error(`\`${[command, ...args].join(' ')}\` failed: ${stderr?.trim() || (error as Error).message}`, {
      cause: error,
    });
  }
}

/** Deletes namespaces left by runs whose process no longer exists (killed before their teardown ran). */
async function deleteStale(): Promise<void> {
  const list = await exec('ip', ['netns', 'list']);
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = /^rtcq-[ab]-(\d+)$/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    try {
      process.kill(Number(pid), 0);
    } catch {
      await exec('ip', ['netns', 'delete', name]).catch(() => {});
    }
  }
}

async function deleteNamespace(ns: string): Promise<void> {
  if (!created.delete(ns)) return;
  await exec('ip', ['netns', 'delete', ns]);
}

// A last resort if the test process exits without its teardown (an uncaught error, process.exit).
process.once('exit', () => {
  for (const ns of created) {
    try {
      execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    } catch {
      // Nothing more to do on the way out.
    }
  }
});

/**
 * Creates two namespaces, `rtcq-a-<pid>` and `rtcq-b-<pid>`, with loopback up in each, joined by a veth pair
 * addressed 10.77.0.1/24 (in a) and 10.77.0.2/24 (in b). On any failure what was created is deleted again.
 *
 * @throws {Error} when not root, when `ip` is missing, or when namespaces are not permitted (a container without
 *   CAP_SYS_ADMIN, say), with the reason.
 * @example
 * const link = await createLink();
 * try {
 *   await inNetns(link.b.ns, 'ping', ['-c1', link.a.address]);
 * } finally {
 *   await link.destroy();
 * }
 */
export async function createLink(): Promise<Link> {
  const skip = netnsSkipReason();
  if (skip) throw new Error(skip);
  await deleteStale();
  const a: Endpoint = { ns: `${PREFIX}a-${process.pid}`, dev: `rtcqa-${process.pid}`, address: '10.77.0.1' };
  const b: Endpoint = { ns: `${PREFIX}b-${process.pid}`, dev: `rtcqb-${process.pid}`, address: '10.77.0.2' };
  const destroy = async (): Promise<void> => {
    const results = await Promise.allSettled([deleteNamespace(a.ns), deleteNamespace(b.ns)]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  try {
    for (const end of [a, b]) {
      try {
        await exec('ip', ['netns', 'add', end.ns]);
      } catch (error) {
        throw new Error(
          `cannot create network namespace ${end.ns}; the network suite needs \`ip netns\` as root ` +
            `(with CAP_SYS_ADMIN and CAP_NET_ADMIN): ${(error as Error).message}`,
          { cause: error },
        );
      }
      created.add(end.ns);
    }
    // Created straight inside the namespaces, so the names never meet the host's devices.
    await exec('ip', ['link', 'add', a.dev, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns]);
    for (const end of [a, b]) {
      await exec('ip', ['-n', end.ns, 'link', 'set', 'lo', 'up']);
      await exec('ip', ['-n', end.ns, 'addr', 'add', `${end.address}/24`, 'dev', end.dev]);
      await exec('ip', ['-n', end.ns, 'link', 'set', end.dev, 'up']);
    }
  } catch (error) {
    await destroy().catch(() => {});
    throw error;
  }
  return { a, b, destroy };
}

/**
 * Limits `dev`'s egress in namespace `ns` with a token bucket (`tc qdisc replace … root tbf`). Calling it again
 * replaces the previous shaping. Only packets leaving through `dev` are shaped: shape both ends for both ways.
 *
 * @example
 * await shape(link.b.ns, link.b.dev, { rateKbit: 300 }); // b sends at most 300 kbit/s
 */
export async function shape(
  ns: string,
  dev: string,
  { rateKbit, burstKbit = 32, latencyMs = 50 }: Shaping,
): Promise<void> {
  for (const [name, value] of Object.entries({ rateKbit, burstKbit, latencyMs })) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, not ${value}`);
  }
  await exec('tc', [
    ...['-n', ns, 'qdisc', 'replace', 'dev', dev, 'root', 'tbf'],
    ...['rate', `${rateKbit}kbit`, 'burst', `${burstKbit}kbit`, 'latency', `${latencyMs}ms`],
  ]);
}

/**
 * Lifts {@link shape}'s limit: `dev` goes back to its default queueing. Does nothing when `dev` is not shaped.
 *
 * @example
 * await unshape(link.b.ns, link.b.dev);
 */
export async function unshape(ns: string, dev: string): Promise<void> {
  if (!(await qdisc(ns, dev)).includes('tbf')) return;
  await exec('tc', ['-n', ns, 'qdisc', 'delete', 'dev', dev, 'root']);
}

/**
 * `tc -s qdisc show` for `dev` in `ns`: the queueing in force, with its sent, dropped and overlimit counters.
 *
 * @example
 * assert.match(await qdisc(link.b.ns, link.b.dev), /tbf .*rate 300Kbit/);
 */
export function qdisc(ns: string, dev: string): Promise<string> {
  return exec('tc', ['-s', '-n', ns, 'qdisc', 'show', 'dev', dev]);
}

/**
 * Runs `command args…` inside namespace `ns` and resolves with its stdout.
 *
 * @example
 * await inNetns(link.a.ns, 'ip', ['addr', 'show']);
 */
export function inNetns(ns: string, command: string, args: string[] = []): Promise<string> {
  return exec('ip', ['netns', 'exec', ns, command, ...args]);
}

/**
 * Starts `command args…` inside namespace `ns` as a long-running child (`ip netns exec` replaces itself with the
 * command, so the child's pid is the command's and killing it kills the command).
 *
 * @example
 * const relay = spawnInNetns(link.a.ns, process.execPath, ['bin/rtc-relay.js', '--host', link.a.address]);
 */
export function spawnInNetns(
  ns: string,
  command: string,
  args: string[] = [],
  options: SpawnOptions = {},
): ChildProcess {
  return spawn('ip', ['netns', 'exec', ns, command, ...args], options);
}
