/**
 * The IPC between the benchmark and a relay running in its own child process: the child announces its port,
 * answers stats requests (RSS after a forced GC, CPU time) and exits when told to or when the parent goes away.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a relay child reports about itself. */
export interface ChildStats {
  /** Resident set size, bytes. */
  rss: number;
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** CPU time used since the child started, microseconds (user + system). */
  cpu: number;
  /** The child's `performance.now()` when the stats were taken, ms. */
  at: number;
  /** Peers the relay holds in rooms. */
  peers: number;
}

/** Parent → child. */
type ParentMessage = { type: 'stats'; id: number; gc: boolean } | { type: 'stop' };

/** Child → parent. */
type ChildMessage = { type: 'ready'; port: number } | { type: 'stats'; id: number; stats: ChildStats };

/** A relay as the child process runs it. */
export interface ServedRelay {
  port: number;
  /** Peers currently in rooms. */
  peers(): number;
  close(): Promise<void>;
}

/**
 * Child side: serves `relay` to the parent over IPC. Exits when the parent sends `stop` (after closing the
 * relay, so `--cpu-prof` gets written) or disconnects.
 */
export function serveToParent(relay: ServedRelay): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('the relay child must be started with an IPC channel (child_process.fork)');
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: ParentMessage) => {
    if (message.type === 'stop') {
      void relay.close().finally(() => process.exit(0));
      return;
    }
    if (message.gc) {
      if (!gc) throw new Error('stats with gc needs the child to run with --expose-gc');
      gc();
      gc();
    }
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const stats: ChildStats = {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      cpu: cpu.user + cpu.system,
      at: performance.now(),
      peers: relay.peers(),
    };
    send({ type: 'stats', id: message.id, stats } satisfies ChildMessage);
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: relay.port } satisfies ChildMessage);
}

/** Parent side: a relay running in a child process. */
export class RelayChild {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (stats: ChildStats) => void; reject: (error: Error) => void }>();
  #nextId = 0;
  #exited = false;
  static readonly #live = new Set<RelayChild>();

  private constructor(name: string, child: ChildProcess, port: number) {
    this.name = name;
    this.#child = child;
    this.port = port;
    this.url = `ws://127.0.0.1:${port}/signal`;
    child.on('message', (message: ChildMessage) => {
      if (message.type !== 'stats') return;
      this.#pending.get(message.id)?.resolve(message.stats);
      this.#pending.delete(message.id);
    });
    child.on('exit', (code, signal) => {
      this.#exited = true;
      RelayChild.#live.delete(this);
      for (const { reject } of this.#pending.values()) reject(new Error(`${name} relay exited (${code ?? signal})`));
      this.#pending.clear();
    });
    RelayChild.#live.add(this);
  }

  /**
   * Forks `script` (a file under bench/) with tsx and `--expose-gc`, and resolves once it reports its port.
   * `profileDir` adds `--cpu-prof` writing there; `env` adds to the child's environment.
   */
  static async start(name: string, script: string, profileDir?: string, env?: NodeJS.ProcessEnv): Promise<RelayChild> {
    const execArgv = ['--import', 'tsx', '--expose-gc'];
    // One directory per relay: tsx's loader thread writes a profile too (the main thread's has thread id 0).
    if (profileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`);
    const child = fork(fileURLToPath(new URL(script, import.meta.url)), [], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      execArgv,
      env: env ? { ...process.env, ...env } : process.env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = new Promise<number>((resolve, reject) => {
      child.on('message', (message: ChildMessage) => {
        if (message.type === 'ready') resolve(message.port);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`${name} relay exited early (${code ?? signal})`)));
    });
    try {
      return new RelayChild(name, child, await ready);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  /** The child's stats; with `gc`, after two full garbage collections. */
  stats(gc = false): Promise<ChildStats> {
    if (this.#exited) return Promise.reject(new Error(`${this.name} relay has exited`));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#child.send({ type: 'stats', id, gc } satisfies ParentMessage);
    });
  }

  /** Asks the child to close its relay and exit; kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.#exited) return;
    const exited = once(this.#child, 'exit');
    this.#child.send({ type: 'stop' } satisfies ParentMessage);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  /** Kills every child still running; safe to call from a process `exit` handler. */
  static killAll(): void {
    for (const relay of RelayChild.#live) relay.#child.kill('SIGKILL');
  }
}
