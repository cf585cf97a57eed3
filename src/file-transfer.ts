import type { Transfer } from './machines/call.machine.js';

/** The events a {@link FileTransfer} fires. */
export interface FileTransferEventMap {
  /** Chunks went out: `loaded` of `total` bytes, over every participant the file goes to. */
  progress: ProgressEvent;
}

/**
 * A file on its way to one or more participants, from `call.sendFile()`. Fires `progress` (a `ProgressEvent`:
 * `loaded` of `total` bytes, over every participant it goes to) as chunks go out; `done` resolves once every
 * participant has the whole file and its SHA-256 matched, and rejects with the first failure.
 *
 * @example
 * const transfer = call.sendFile(input.files[0]);
 * transfer.addEventListener('progress', ({ loaded, total }) => (bar.value = loaded / total));
 * await transfer.done;
 */
export class FileTransfer extends EventTarget {
  /** The transfer's id, as the participants' `Transfer`s carry it. */
  readonly id: string;
  readonly name: string;
  /** Bytes in the file. */
  readonly size: number;
  /** The keys of the participants it goes to. */
  readonly peers: readonly string[];
  /** Resolves when every participant has the file; rejects (with the reason in the message) on any failure. */
  readonly done: Promise<void>;
  #state: 'active' | 'done' | 'failed' = 'active';
  readonly #sent = new Map<string, number>();
  readonly #finished = new Set<string>();
  readonly #cancel: () => void;
  #settle!: { resolve: () => void; reject: (error: Error) => void };

  /** @internal Made by `Call.sendFile`. */
  constructor(options: { id: string; name: string; size: number; peers: string[]; cancel: () => void }) {
    super();
    this.id = options.id;
    this.name = options.name;
    this.size = options.size;
    this.peers = options.peers;
    this.#cancel = options.cancel;
    this.done = new Promise<void>((resolve, reject) => (this.#settle = { resolve, reject }));
    // A rejection nobody awaits yet must not be reported as unhandled: the state and events say it too.
    this.done.catch(() => {});
    if (!this.peers.length) this.#fail(new Error('Nobody is in the call to send the file to.'));
  }

  /** Listens for one of {@link FileTransferEventMap}'s events, typed (`progress` gets a `ProgressEvent`). */
  override addEventListener<K extends keyof FileTransferEventMap>(
    type: K,
    listener: (this: FileTransfer, event: FileTransferEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(type: string, listener: unknown, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  override removeEventListener<K extends keyof FileTransferEventMap>(
    type: K,
    listener: (this: FileTransfer, event: FileTransferEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(type: string, listener: unknown, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  /** `active` while it goes, then `done` or `failed`. */
  get state(): 'active' | 'done' | 'failed' {
    return this.#state;
  }

  /** Bytes sent so far, over every participant. */
  get loaded(): number {
    let sum = 0;
    for (const bytes of this.#sent.values()) sum += bytes;
    return sum;
  }

  /** Stops sending to everyone; the other side is told, and `done` rejects. */
  cancel(): void {
    if (this.#state === 'active') this.#cancel();
  }

  /** @internal Takes the call's report on one participant's transfer. */
  update(transfer: Transfer): void {
    if (transfer.id !== this.id || this.#state !== 'active') return;
    this.#sent.set(transfer.peer, transfer.bytes);
    const total = this.size * this.peers.length;
    this.dispatchEvent(new ProgressEvent('progress', { lengthComputable: true, loaded: this.loaded, total }));
    if (transfer.state === 'failed') this.#fail(new Error(transfer.error?.message ?? 'The transfer failed.'));
    else if (transfer.state === 'done') {
      this.#finished.add(transfer.peer);
      if (this.#finished.size === this.peers.length) {
        this.#state = 'done';
        this.#settle.resolve();
      }
    }
  }

  #fail(error: Error): void {
    this.#state = 'failed';
    this.#settle.reject(error);
  }
}
