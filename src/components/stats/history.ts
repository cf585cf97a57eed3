/**
 * A fixed-size ring of the most recent items: pushing onto a full ring drops the oldest.
 *
 * @example
 * const last = new RingBuffer<number>(3);
 * for (const n of [1, 2, 3, 4]) last.push(n);
 * last.toArray(); // [2, 3, 4]
 */
export class RingBuffer<T> {
  #items: T[] = [];
  #start = 0;
  #capacity: number;

  /** @param capacity - How many items to keep; at least 1. */
  constructor(capacity: number) {
    this.#capacity = RingBuffer.#valid(capacity);
  }

  static #valid(capacity: number): number {
    return Number.isFinite(capacity) ? Math.max(1, Math.floor(capacity)) : 1;
  }

  /** How many items it keeps. */
  get capacity(): number {
    return this.#capacity;
  }

  /** How many items it holds. */
  get length(): number {
    return this.#items.length;
  }

  /** The newest item. */
  get last(): T | undefined {
    if (this.#items.length === 0) return undefined;
    return this.#items[(this.#start + this.#items.length - 1) % this.#items.length];
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    if (this.#items.length < this.#capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.#capacity;
  }

  /** Changes how many items it keeps, keeping the newest. */
  resize(capacity: number): void {
    const next = RingBuffer.#valid(capacity);
    if (next === this.#capacity) return;
    const items = this.toArray().slice(-next);
    this.#capacity = next;
    this.#items = items;
    this.#start = 0;
  }

  /** The items, oldest first, as a new array. */
  toArray(): T[] {
    return [...this.#items.slice(this.#start), ...this.#items.slice(0, this.#start)];
  }
}
