import { assign, enqueueActions, fromCallback, setup, type AnyActorRef } from 'xstate';

/** How a channel delivers: reliable and ordered unless told otherwise (`RTCDataChannelInit`). */
export interface ChannelOptions {
  /** `false` lets messages arrive out of order. */
  ordered?: boolean;
  /** Retransmissions before a message is given up; `0` for fire-and-forget game state. */
  maxRetransmits?: number;
  /** Ms a message may be retransmitted for (instead of `maxRetransmits`). */
  maxPacketLifeTime?: number;
}

/** A channel both sides create with the same negotiated id: no signaling of its own. */
export interface ChannelSpec extends ChannelOptions {
  name: string;
  id: number;
}

/** The channels every peer connection has: chat (what `<rtc-chat>` shows), file transfers, and app data. */
export const BUILT_IN_CHANNELS = ['chat', 'file', 'data'] as const;

/** A valid channel name: what `call.send(…, { channel })` and `channels` take. */
export const CHANNEL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The channels of a call, with their negotiated ids: the built-in ones (`chat` 0, `file` 1, `data` 2), then the
 * app's own in name order from 3. Both sides must declare the same channels, as with any negotiated channel.
 *
 * @throws {RangeError} for a name that is not 1–64 of `A–Z a–z 0–9 _ . -`, or that is a built-in one.
 * @example
 * channelSpecs({ game: { ordered: false, maxRetransmits: 0 } });
 * // [{ name: 'chat', id: 0 }, { name: 'file', id: 1 }, { name: 'data', id: 2 },
 * //  { name: 'game', id: 3, ordered: false, maxRetransmits: 0 }]
 */
export function channelSpecs(custom: Record<string, ChannelOptions> = {}): ChannelSpec[] {
  const specs: ChannelSpec[] = BUILT_IN_CHANNELS.map((name, id) => ({ name, id }));
  for (const name of Object.keys(custom).sort()) {
    if (!CHANNEL_NAME.test(name))
      throw new RangeError(`Channel name "${name.slice(0, 80)}" is not 1–64 of A–Z a–z 0–9 _ . -.`);
    if ((BUILT_IN_CHANNELS as readonly string[]).includes(name))
      throw new RangeError(`"${name}" is a built-in channel; choose another name.`);
    specs.push({ ...custom[name], name, id: specs.length });
  }
  return specs;
}

/** What travels on a channel: text, or JSON-able values, or binary. */
export type ChannelData = string | ArrayBuffer;

/**
 * Encodes an app message for the wire: a string as `s…`, anything else as `j` + JSON, binary as it is; so the
 * other side gets back exactly the type that was sent.
 *
 * @throws {TypeError} for a value JSON cannot carry (a function, a cycle, a BigInt).
 */
export function encodeMessage(data: unknown): ChannelData {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data))
    return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
  if (typeof data === 'string') return `s${data}`;
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError(`${typeof data} cannot be sent; send a string, JSON or binary.`);
  return `j${json}`;
}

/** Decodes what {@link encodeMessage} made; `undefined` for anything else (a malformed or foreign message). */
export function decodeMessage(raw: ChannelData): unknown {
  if (typeof raw !== 'string') return raw;
  if (raw.startsWith('s')) return raw.slice(1);
  if (!raw.startsWith('j')) return undefined;
  try {
    return JSON.parse(raw.slice(1));
  } catch {
    return undefined;
  }
}

/** Input of {@link channelMachine}. */
export interface ChannelInput {
  name: string;
  /** Receives {@link ChannelNotification}s (the peer); they are also emitted. */
  parent?: AnyActorRef;
  /** Messages kept while the channel is not open, before new ones are refused. Default 10 000. */
  maxQueue?: number;
}

export interface ChannelContext {
  name: string;
  parent?: AnyActorRef;
  maxQueue: number;
  channel?: RTCDataChannel;
  /** Messages waiting for the channel to open, oldest first. */
  queue: ChannelData[];
  error?: string;
}

/** Events the channel takes. */
export type ChannelEvent =
  /** The RTCDataChannel exists (the peer connection made it). */
  | { type: 'channel.attach'; channel: RTCDataChannel }
  | { type: 'channel.send'; data: ChannelData }
  | { type: 'channel.close' }
  /** From the port (the RTCDataChannel's events). */
  | { type: 'channel.opened' }
  | { type: 'channel.closed' }
  | { type: 'channel.failed'; message: string }
  | { type: 'channel.message'; data: ChannelData };

/** What the channel tells its parent. */
export type ChannelNotification =
  | { type: 'channel.data'; name: string; data: ChannelData }
  | { type: 'channel.state'; name: string; state: 'open' | 'closed' | 'error' }
  /** A message could not be kept (the queue was full) or sent: it is lost, and says so. */
  | { type: 'channel.dropped'; name: string; reason: string };

/** Emits `notification` and sends it to the parent. */
function tell(
  enqueue: {
    emit: (event: ChannelNotification) => void;
    sendTo: (to: AnyActorRef, event: ChannelNotification) => void;
  },
  context: ChannelContext,
  notification: ChannelNotification,
): void {
  enqueue.emit(notification);
  if (context.parent) enqueue.sendTo(context.parent, notification);
}

/** Commands the port takes. */
type PortCommand = { type: 'port.send'; data: ChannelData } | { type: 'port.close' };

/**
 * An RTCDataChannel's events as actor events, and its `send`/`close` as commands. It does not close the channel
 * when stopped: the peer connection owns it.
 */
export const channelPortActor = fromCallback<PortCommand, { channel: RTCDataChannel }, ChannelEvent>(
  ({ input: { channel }, sendBack, receive }) => {
    channel.binaryType = 'arraybuffer';
    const onOpen = (): void => sendBack({ type: 'channel.opened' });
    const onClose = (): void => sendBack({ type: 'channel.closed' });
    const onError = (event: Event): void =>
      sendBack({ type: 'channel.failed', message: (event as RTCErrorEvent).error?.message ?? 'the channel failed' });
    const onMessage = ({ data }: MessageEvent): void => sendBack({ type: 'channel.message', data });
    channel.addEventListener('open', onOpen);
    channel.addEventListener('close', onClose);
    channel.addEventListener('error', onError);
    channel.addEventListener('message', onMessage);
    if (channel.readyState === 'open') queueMicrotask(onOpen);
    receive((command) => {
      if (command.type === 'port.close') return channel.close();
      try {
        channel.send(command.data as string);
      } catch (error) {
        sendBack({ type: 'channel.failed', message: `sending failed: ${(error as Error).message}` });
      }
    });
    return () => {
      channel.removeEventListener('open', onOpen);
      channel.removeEventListener('close', onClose);
      channel.removeEventListener('error', onError);
      channel.removeEventListener('message', onMessage);
    };
  },
);

/**
 * One data channel of one peer connection: `connecting → open → closing → closed`, and `error`. Messages sent
 * before it opens (or while it is closed or failed, until a new channel is attached) are queued, and flushed
 * in order on open. The RTCDataChannel itself arrives with `channel.attach`, from the peer connection, which
 * creates every channel negotiated (same id on both sides), so opening one takes no signaling.
 */
export const channelMachine = setup({
  types: {
    context: {} as ChannelContext,
    input: {} as ChannelInput,
    events: {} as ChannelEvent,
    emitted: {} as ChannelNotification,
  },
  actors: { port: channelPortActor },
  actions: {
    notify: enqueueActions(({ context, enqueue }, notification: ChannelNotification) =>
      tell(enqueue, context, notification),
    ),
    attach: enqueueActions(({ enqueue, event }) => {
      if (event.type !== 'channel.attach') return;
      enqueue.stopChild('port'); // a previous channel's, if any
      enqueue.assign({ channel: event.channel, error: undefined });
      enqueue.spawnChild('port', { id: 'port', input: { channel: event.channel } });
    }),
    enqueue: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'channel.send') return;
      if (context.queue.length < context.maxQueue) {
        enqueue.assign({ queue: [...context.queue, event.data] });
        return;
      }
      tell(enqueue, context, {
        type: 'channel.dropped',
        name: context.name,
        reason: `${context.maxQueue} messages are already waiting for the "${context.name}" channel to open.`,
      });
    }),
    transmit: enqueueActions(({ context, enqueue, event }) => {
      if (event.type === 'channel.send' && context.channel)
        enqueue.sendTo('port', { type: 'port.send', data: event.data } satisfies PortCommand);
    }),
    flush: enqueueActions(({ context, enqueue }) => {
      // The port exists whenever the channel does; the guard only keeps a stray event harmless.
      if (!context.channel) return;
      for (const data of context.queue) enqueue.sendTo('port', { type: 'port.send', data } satisfies PortCommand);
      enqueue.assign({ queue: [] });
    }),
    closePort: enqueueActions(({ enqueue, context }) => {
      if (context.channel) enqueue.sendTo('port', { type: 'port.close' } satisfies PortCommand);
    }),
    deliver: enqueueActions(({ context, enqueue, event }) => {
      if (event.type !== 'channel.message') return;
      tell(enqueue, context, { type: 'channel.data', name: context.name, data: event.data });
    }),
  },
}).createMachine({
  id: 'channel',
  context: ({ input }) => ({
    name: input.name,
    parent: input.parent,
    maxQueue: input.maxQueue ?? 10_000,
    queue: [],
  }),
  initial: 'connecting',
  on: {
    'channel.attach': { target: '.connecting', actions: 'attach' },
    'channel.message': { actions: 'deliver' },
  },
  states: {
    connecting: {
      on: {
        'channel.send': { actions: 'enqueue' },
        'channel.opened': { target: 'open' },
        'channel.closed': { target: 'closed' },
        'channel.failed': { target: 'error', actions: assign({ error: ({ event }) => event.message }) },
        'channel.close': { target: 'closed' },
      },
    },
    open: {
      entry: [
        'flush',
        { type: 'notify', params: ({ context }) => ({ type: 'channel.state', name: context.name, state: 'open' }) },
      ],
      on: {
        'channel.send': { actions: 'transmit' },
        'channel.close': { target: 'closing', actions: 'closePort' },
        'channel.closed': { target: 'closed' },
        'channel.failed': { target: 'error', actions: assign({ error: ({ event }) => event.message }) },
      },
    },
    closing: {
      on: {
        'channel.send': { actions: 'enqueue' },
        'channel.closed': { target: 'closed' },
        'channel.failed': { target: 'error', actions: assign({ error: ({ event }) => event.message }) },
      },
    },
    // Kept, not final: messages sent now wait for a channel attached later.
    closed: {
      entry: {
        type: 'notify',
        params: ({ context }) => ({ type: 'channel.state', name: context.name, state: 'closed' }),
      },
      on: { 'channel.send': { actions: 'enqueue' } },
    },
    error: {
      entry: {
        type: 'notify',
        params: ({ context }) => ({ type: 'channel.state', name: context.name, state: 'error' }),
      },
      on: { 'channel.send': { actions: 'enqueue' } },
    },
  },
});
