import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Subscription } from 'xstate';
import type { Call } from '../call.js';

/** Equal when both are the same value, or arrays/plain objects whose entries are the same values. */
export function shallowEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return (
    keysA.length === keysB.length &&
    keysA.every((key) => Object.is((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]))
  );
}

/** How a {@link CallController} finds its call, and what the host does when it changes. */
export interface CallBinding {
  /** The call to show now, e.g. `() => findCall(this, this.call, this.contextCall)`. */
  find?: () => Call | undefined;
  /** Runs when the bound call changes (not when the host merely moves in the DOM). */
  onCall?: (call: Call | undefined) => void;
}

/**
 * Binds an element to a call. Whenever any actor of the call changes (the call, a peer, media, ICE), it
 * re-reads `select(call)`, and asks the host to update only when that slice changed. It unsubscribes while
 * the host is disconnected and re-reads the snapshot when it comes back, so moving an element costs nothing.
 *
 * With `find`, it also looks the call up again whenever any `<rtc-call>` on the page changes state, so an
 * element that names its call by id follows it when that call starts or restarts later.
 *
 * @example
 * #state = new CallController(this, (call) => call.state, { find: () => findCall(this, this.call, this.contextCall) });
 * render() { return html`${this.#state.value}`; }
 */
export class CallController<T> implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #select: (call: Call) => T;
  readonly #equals: (a: T, b: T) => boolean;
  readonly #binding: CallBinding;
  #call?: Call;
  #subscription?: Subscription;
  #connected = false;
  #value?: T;

  constructor(
    host: ReactiveControllerHost,
    select: (call: Call) => T,
    { equals = shallowEqual, ...binding }: CallBinding & { equals?: (a: T, b: T) => boolean } = {},
  ) {
    this.#host = host;
    this.#select = select;
    this.#equals = equals;
    this.#binding = binding;
    host.addController(this);
  }

  /** The selected slice, or `undefined` without a call. */
  get value(): T | undefined {
    return this.#value;
  }

  /** The call bound to; set it when the element finds its call. */
  get call(): Call | undefined {
    return this.#call;
  }

  set call(call: Call | undefined) {
    if (call === this.#call) return;
    this.#unsubscribe();
    this.#call = call;
    this.#binding.onCall?.(call);
    if (this.#connected) this.#subscribe();
    this.#refresh();
  }

  /** Looks the call up again with `find`: call it when what `find` reads (an attribute, the context) changed. */
  readonly rebind = (): void => {
    if (this.#binding.find) this.call = this.#binding.find();
  };

  /** Re-reads the slice now: for when what `select` reads from the host (an attribute) changed. */
  refresh(): void {
    this.#refresh();
  }

  hostConnected(): void {
    this.#connected = true;
    if (this.#binding.find) document.addEventListener('rtc-state', this.rebind);
    this.rebind();
    this.#subscribe();
  }

  hostDisconnected(): void {
    this.#connected = false;
    document.removeEventListener('rtc-state', this.rebind);
    this.#unsubscribe();
  }

  #subscribe(): void {
    if (!this.#call || this.#subscription) return;
    this.#subscription = this.#call.actor.system.inspect((event) => {
      if (event.type === '@xstate.snapshot') this.#refresh();
    });
    this.#refresh();
  }

  #unsubscribe(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = undefined;
  }

  #refresh(): void {
    const next = this.#call ? this.#select(this.#call) : undefined;
    if (next === undefined ? this.#value === undefined : this.#value !== undefined && this.#equals(this.#value, next))
      return;
    this.#value = next;
    this.#host.requestUpdate();
  }
}
