import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Runs an async task now and then every `interval` ms while its host is connected, and not at all while it is
 * disconnected. A round still running when the next is due is not doubled up: that tick is skipped. The task
 * gets a `current()` check that turns false once its round is stale (the host left the page, or the interval
 * changed), so results that arrive late can be dropped.
 *
 * @example
 * #poller = new PollController(this, async (current) => {
 *   const report = await pc.getStats();
 *   if (current()) this.report = report;
 * }, 1000);
 */
export class PollController implements ReactiveController {
  readonly #task: (current: () => boolean) => Promise<void>;
  #interval: number;
  #timer?: ReturnType<typeof setInterval>;
  #generation = 0;
  #busy = false;

  constructor(host: ReactiveControllerHost, task: (current: () => boolean) => Promise<void>, interval: number) {
    this.#task = task;
    this.#interval = interval;
    host.addController(this);
  }

  /** Time between rounds, in ms. Changing it restarts the timer when running. */
  get interval(): number {
    return this.#interval;
  }

  set interval(ms: number) {
    if (ms === this.#interval) return;
    this.#interval = ms;
    if (this.running) this.#start();
  }

  /** Whether the timer runs. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  hostConnected(): void {
    this.#start();
  }

  hostDisconnected(): void {
    this.#stop();
  }

  #start(): void {
    this.#stop();
    this.#timer = setInterval(() => this.#tick(), this.#interval);
    // The first round starts once the host has finished connecting (and found what it polls).
    const generation = this.#generation;
    queueMicrotask(() => {
      if (generation === this.#generation) this.#tick();
    });
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#generation++;
    this.#busy = false;
  }

  #tick(): void {
    if (this.#busy) return;
    const generation = this.#generation;
    const current = (): boolean => generation === this.#generation;
    this.#busy = true;
    this.#task(current)
      .catch(() => {})
      .finally(() => {
        if (current()) this.#busy = false;
      });
  }
}
