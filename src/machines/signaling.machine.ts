import { assign, enqueueActions, fromCallback, setup, spawnChild, stopChild, type AnyActorRef } from 'xstate';
import {
  parseServerMessage,
  type ClientMessage,
  type ErrorCode,
  type Json,
  type PeerInfo,
  type PeerMeta,
  type RTCIceServerConfig,
  type ServerMessage,
} from '../signaling/protocol.js';
import { relayProbeActor, relayProblem, type RelayProblemCode } from './relay.probe.js';

/** Reconnection policy: exponential backoff with jitter, the first retry immediate. */
export interface ReconnectOptions {
  /**
   * Retries before giving up in `failed` while the relay has not welcomed this session yet (a wrong address, a
   * relay that is down or refuses): 8 by default, about 20 s with the default delays. `Infinity` keeps trying.
   */
  joinRetries: number;
  /** Retries before giving up in `failed` once joined (the relay dropped); `Infinity` (the default) keeps trying. */
  maxRetries: number;
  /** Delay before the second retry, doubled for each one after, in ms. */
  baseDelay: number;
  /** Cap of the delay between retries, in ms. */
  maxDelay: number;
}

/** Input of {@link signalingMachine}. */
export interface SignalingInput {
  /** WebSocket URL of the relay, e.g. `ws://localhost:8787/signal`. */
  url: string;
  room: string;
  meta?: PeerMeta;
  /** An actor that receives every {@link SignalingNotification} (the call). They are also emitted. */
  parent?: AnyActorRef;
  reconnect?: Partial<ReconnectOptions>;
  /** Ms between app-level pings while joined. */
  pingInterval?: number;
  /** Ms to wait for a pong before the socket counts as dead. */
  pongTimeout?: number;
  /** Ms to wait for the socket to open or the relay to welcome, before retrying. */
  connectTimeout?: number;
  /** Ms the probe of a relay whose socket would not open may take before it counts as unreachable. Default 3000. */
  probeTimeout?: number;
}

/** Defaults of {@link ReconnectOptions}. */
export const RECONNECT_DEFAULTS: ReconnectOptions = {
  joinRetries: 8,
  maxRetries: Infinity,
  baseDelay: 250,
  maxDelay: 5000,
};

/** An outbound signal waiting for the socket. */
export interface QueuedSignal {
  to: string;
  data: Json;
}

export interface SignalingContext {
  url: string;
  room: string;
  meta: PeerMeta;
  parent?: AnyActorRef;
  reconnect: ReconnectOptions;
  pingInterval: number;
  pongTimeout: number;
  connectTimeout: number;
  probeTimeout: number;
  /** Whether the relay welcomed this session: then `maxRetries` applies, else `joinRetries`. */
  joined: boolean;
  /** The delay before the next attempt, drawn on entering `reconnecting`. */
  retryDelay: number;
  /** This connection's id, from the latest welcome. */
  peer?: string;
  /** Who was in the room at the latest welcome. */
  peers: PeerInfo[];
  /** The resume token of the latest welcome: sent with the next join, so a reconnect keeps this peer id. */
  resume?: string;
  iceServers: RTCIceServerConfig[];
  /** Retries since the last successful join. */
  attempt: number;
  /** Signals sent while not joined, flushed in order on (re)join. */
  queue: QueuedSignal[];
  /** Why the last connection ended, or why signaling failed; `summary` when the probe found out (see relay.probe.ts). */
  error?: {
    code: ErrorCode | 'socket-closed' | 'pong-timeout' | 'connect-timeout' | RelayProblemCode;
    message: string;
    summary?: string;
  };
}

/** Events the machine takes from its user. */
export type SignalingCommand =
  | { type: 'signaling.connect' }
  | { type: 'signaling.send'; to: string; data: Json }
  | { type: 'signaling.close' }
  /** While waiting to retry: retry now. */
  | { type: 'signaling.retry' };

/** Events the socket actor sends back. */
export type SocketEvent =
  | { type: 'socket.open' }
  | { type: 'socket.message'; message: ServerMessage }
  | { type: 'socket.closed'; code: number; reason: string };

/** What signaling tells its parent (and emits). */
export type SignalingNotification =
  | { type: 'signaling.joined'; peer: string; peers: PeerInfo[]; iceServers: RTCIceServerConfig[]; rejoin: boolean }
  | { type: 'signaling.peer-joined'; peer: PeerInfo }
  | { type: 'signaling.peer-left'; peer: string }
  | { type: 'signaling.message'; from: string; data: Json }
  | { type: 'signaling.error'; code: ErrorCode; message: string }
  | { type: 'signaling.lost'; reason: string }
  /**
   * The relay could not be reached or joined (`code`, `message` and, when the probe found out, `summary`), and the
   * next attempt, number `attempt` of at most `attempts` (`Infinity`: no limit), comes at `retryAt` (ms since the
   * epoch), `delay` ms from now.
   */
  | {
      type: 'signaling.retrying';
      code: string;
      message: string;
      summary?: string;
      attempt: number;
      attempts: number;
      delay: number;
      retryAt: number;
    }
  | { type: 'signaling.failed'; code: string; message: string; summary?: string };

/**
 * Delay before reconnection attempt `attempt` (1-based): the first is immediate, then `baseDelay` doubling up
 * to `maxDelay`, with "equal jitter" (between half and all of it) so a relay restart is not met by every
 * client at the same instant.
 *
 * @example
 * backoffDelay(1, { baseDelay: 250, maxDelay: 5000 }); // 0
 * backoffDelay(3, { baseDelay: 250, maxDelay: 5000 }, () => 1); // 500
 */
export function backoffDelay(
  attempt: number,
  { baseDelay, maxDelay }: Pick<ReconnectOptions, 'baseDelay' | 'maxDelay'>,
  random: () => number = Math.random,
): number {
  if (attempt <= 1) return 0;
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** (attempt - 2));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** Commands the socket actor takes. */
export type SocketCommand = { type: 'socket.send'; message: ClientMessage };

/** The WebSocket, as an actor: opens on start, closes on stop, reports frames it can parse. */
export const socketActor = fromCallback<SocketCommand, { url: string }, SocketEvent>(({ input, sendBack, receive }) => {
  let ws: WebSocket;
  try {
    ws = new WebSocket(input.url);
  } catch (error) {
    // A malformed URL throws synchronously; report it like any other failed connection.
    queueMicrotask(() => sendBack({ type: 'socket.closed', code: 1006, reason: (error as Error).message }));
    return () => {};
  }
  ws.onopen = () => sendBack({ type: 'socket.open' });
  ws.onmessage = (event) => {
    const message = parseServerMessage(event.data);
    if (message) sendBack({ type: 'socket.message', message });
  };
  ws.onclose = (event) => sendBack({ type: 'socket.closed', code: event.code, reason: event.reason });
  receive((command) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(command.message));
  });
  return () => {
    ws.onopen = ws.onmessage = ws.onclose = null;
    ws.close(1000);
  };
});

type Events = SignalingCommand | SocketEvent;

/** Join errors that a later attempt may not get: the machine retries them with its backoff instead of failing. */
export const RETRYABLE_JOIN_ERRORS: readonly ErrorCode[] = ['unavailable'];

/** Retries allowed now: before the first welcome, `joinRetries`; after it, `maxRetries`. */
const retryLimit = (context: SignalingContext): number =>
  context.joined ? context.reconnect.maxRetries : context.reconnect.joinRetries;

/**
 * Signaling: the socket to the relay and this peer's membership of one room.
 *
 * `disconnected → connecting → joining → joined`; a lost socket goes to `reconnecting` (backoff with jitter,
 * first retry immediate, capped) and back, as does a join answered `unavailable` (the relay's backplane is down);
 * `closed` after `signaling.close`; `failed` when retries run out or the relay refuses the join otherwise. A socket
 * that never opens goes through `probing` first: a plain HTTP `GET` of the same URL (relay.probe.ts) finds out why
 * (nothing listens, wrong path, 401, 403, 429…), and `reconnecting` reports it with `signaling.retrying` before
 * waiting. Retries are bounded by `joinRetries` until the relay first welcomes this session, by `maxRetries` after.
 * Signals sent while not joined are queued and flushed in order on (re)join.
 * A rejoin carries the latest welcome's `resume` token: within the relay's grace period it keeps its peer id
 * and the room sees no `peer-left`; otherwise the relay welcomes it as a new peer (`rejoin`, a new `peer`).
 */
export const signalingMachine = setup({
  types: {
    context: {} as SignalingContext,
    input: {} as SignalingInput,
    events: {} as Events,
    emitted: {} as SignalingNotification,
  },
  actors: { socket: socketActor, probe: relayProbeActor },
  actions: {
    notify: enqueueActions(({ context, enqueue }, notification: SignalingNotification) => {
      enqueue.emit(notification);
      if (context.parent) enqueue.sendTo(context.parent, notification);
    }),
    openSocket: spawnChild('socket', { id: 'socket', input: ({ context }) => ({ url: context.url }) }),
    closeSocket: stopChild('socket'),
    transmit: enqueueActions(({ enqueue }, message: ClientMessage) => {
      enqueue.sendTo('socket', { type: 'socket.send', message } satisfies SocketCommand);
    }),
    queueSignal: assign({
      queue: ({ context, event }) =>
        event.type === 'signaling.send' ? [...context.queue, { to: event.to, data: event.data }] : context.queue,
    }),
    flushQueue: enqueueActions(({ context, enqueue }) => {
      for (const { to, data } of context.queue)
        enqueue.sendTo('socket', {
          type: 'socket.send',
          message: { type: 'signal', to, data },
        } satisfies SocketCommand);
      enqueue.assign({ queue: [] });
    }),
    countAttempt: assign({ attempt: ({ context }) => context.attempt + 1 }),
    drawDelay: assign({ retryDelay: ({ context }) => backoffDelay(context.attempt, context.reconnect) }),
    resetAttempts: assign({ attempt: 0 }),
    /** A new session: the relay has not welcomed it yet. */
    newSession: assign({ attempt: 0, joined: false }),
    recordError: assign({
      error: (_, error: NonNullable<SignalingContext['error']>) => error,
    }),
  },
  guards: {
    retriesExhausted: ({ context }) => context.attempt > retryLimit(context),
    isWelcome: ({ event }) => event.type === 'socket.message' && event.message.type === 'welcome',
    isJoinError: ({ event }) => event.type === 'socket.message' && event.message.type === 'error',
    isRetryableJoinError: ({ event }) =>
      event.type === 'socket.message' &&
      event.message.type === 'error' &&
      RETRYABLE_JOIN_ERRORS.includes(event.message.code),
  },
  delays: {
    reconnectDelay: ({ context }) => context.retryDelay,
    probeTimeout: ({ context }) => context.probeTimeout,
    pingInterval: ({ context }) => context.pingInterval,
    pongTimeout: ({ context }) => context.pongTimeout,
    connectTimeout: ({ context }) => context.connectTimeout,
  },
}).createMachine({
  id: 'signaling',
  context: ({ input }) => ({
    url: input.url,
    room: input.room,
    meta: input.meta ?? {},
    parent: input.parent,
    reconnect: { ...RECONNECT_DEFAULTS, ...input.reconnect },
    pingInterval: input.pingInterval ?? 10_000,
    pongTimeout: input.pongTimeout ?? 5_000,
    connectTimeout: input.connectTimeout ?? 10_000,
    probeTimeout: input.probeTimeout ?? 3_000,
    joined: false,
    retryDelay: 0,
    peers: [],
    iceServers: [],
    attempt: 0,
    queue: [],
  }),
  initial: 'disconnected',
  on: {
    'signaling.send': { actions: 'queueSignal' },
    'signaling.close': { target: '.closed' },
    // Only connecting, joining and joined have a socket that can close.
    'socket.closed': {
      target: '.reconnecting',
      actions: {
        type: 'recordError',
        params: ({ event }) => ({ code: 'socket-closed', message: `The relay closed the socket (${event.code}).` }),
      },
    },
  },
  states: {
    disconnected: {
      on: { 'signaling.connect': { target: 'connecting' } },
    },
    connecting: {
      entry: 'openSocket',
      on: {
        'socket.open': { target: 'joining' },
        // The socket never opened: find out why before retrying.
        'socket.closed': {
          target: 'probing',
          actions: {
            type: 'recordError',
            params: ({ event }) => ({ code: 'socket-closed', message: `The relay closed the socket (${event.code}).` }),
          },
        },
      },
      after: {
        connectTimeout: {
          target: 'probing',
          actions: {
            type: 'recordError',
            params: { code: 'connect-timeout', message: 'The relay did not answer in time.' },
          },
        },
      },
    },
    probing: {
      entry: 'closeSocket',
      invoke: {
        src: 'probe',
        input: ({ context }) => ({ url: context.url }),
        onDone: {
          target: 'reconnecting',
          actions: { type: 'recordError', params: ({ event }) => event.output },
        },
        // The probe never rejects on its own; this is a stray failure, treated as no answer.
        onError: {
          target: 'reconnecting',
          actions: { type: 'recordError', params: ({ context }) => relayProblem({ kind: 'none' }, context.url) },
        },
      },
      after: {
        probeTimeout: {
          target: 'reconnecting',
          actions: {
            type: 'recordError',
            params: ({ context }) =>
              relayProblem(
                { kind: 'none', reason: `no answer within ${Math.round(context.probeTimeout / 100) / 10} s` },
                context.url,
              ),
          },
        },
      },
    },
    joining: {
      entry: {
        type: 'transmit',
        params: ({ context }): ClientMessage =>
          context.resume
            ? { type: 'join', room: context.room, meta: context.meta, resume: context.resume }
            : { type: 'join', room: context.room, meta: context.meta },
      },
      on: {
        'socket.message': [
          {
            guard: 'isWelcome',
            target: 'joined',
            actions: [
              enqueueActions(({ context, event, enqueue }) => {
                if (event.type !== 'socket.message' || event.message.type !== 'welcome') return;
                const { peer, peers, iceServers, resume } = event.message;
                enqueue.assign({ peer, peers, iceServers, resume, error: undefined, joined: true });
                enqueue({
                  type: 'notify',
                  params: { type: 'signaling.joined', peer, peers, iceServers, rejoin: context.peer !== undefined },
                });
              }),
              'resetAttempts',
              'flushQueue',
            ],
          },
          {
            // The relay cannot reach its backplane now: a new socket after the backoff may reach a healthy node.
            guard: 'isRetryableJoinError',
            target: 'reconnecting',
            actions: enqueueActions(({ event, enqueue }) => {
              if (event.type !== 'socket.message' || event.message.type !== 'error') return;
              const { code, message } = event.message;
              enqueue({ type: 'recordError', params: { code, message } });
            }),
          },
          {
            // The relay refused the join (room full, bad room name): retrying would not help.
            guard: 'isJoinError',
            target: 'failed',
            actions: enqueueActions(({ event, enqueue }) => {
              if (event.type !== 'socket.message' || event.message.type !== 'error') return;
              const { code, message } = event.message;
              enqueue({ type: 'recordError', params: { code, message } });
            }),
          },
        ],
      },
      after: {
        connectTimeout: {
          target: 'reconnecting',
          actions: {
            type: 'recordError',
            params: { code: 'connect-timeout', message: 'The relay did not welcome us in time.' },
          },
        },
      },
    },
    joined: {
      initial: 'idle',
      on: {
        // Only a joined peer has a room to leave; saying so spares the others a heartbeat timeout.
        'signaling.close': { target: 'closed', actions: { type: 'transmit', params: { type: 'leave' } } },
        'signaling.send': {
          actions: {
            type: 'transmit',
            params: ({ event }) => ({ type: 'signal', to: event.to, data: event.data }) as const,
          },
        },
        'socket.message': {
          actions: enqueueActions(({ event, enqueue }) => {
            const message = event.message;
            switch (message.type) {
              case 'peer-joined':
                return enqueue({ type: 'notify', params: { type: 'signaling.peer-joined', peer: message.peer } });
              case 'peer-left':
                return enqueue({ type: 'notify', params: { type: 'signaling.peer-left', peer: message.peer } });
              case 'signal':
                return enqueue({
                  type: 'notify',
                  params: { type: 'signaling.message', from: message.from, data: message.data },
                });
              case 'error':
                return enqueue({
                  type: 'notify',
                  params: { type: 'signaling.error', code: message.code, message: message.message },
                });
            }
          }),
        },
      },
      states: {
        // App-level heartbeat: a socket can look open long after the network under it died.
        idle: {
          after: { pingInterval: { target: 'awaitingPong' } },
        },
        awaitingPong: {
          entry: { type: 'transmit', params: { type: 'ping' } },
          on: {
            'socket.message': {
              guard: ({ event }) => event.message.type === 'pong',
              target: 'idle',
            },
          },
          after: {
            pongTimeout: {
              target: '#signaling.reconnecting',
              actions: {
                type: 'recordError',
                params: { code: 'pong-timeout', message: 'The relay stopped answering pings.' },
              },
            },
          },
        },
      },
    },
    reconnecting: {
      entry: [
        'closeSocket',
        'countAttempt',
        'drawDelay',
        {
          type: 'notify',
          params: ({ context }) => ({ type: 'signaling.lost', reason: context.error?.message ?? 'connection lost' }),
        },
        enqueueActions(({ context, enqueue }) => {
          if (context.attempt > retryLimit(context)) return; // straight on to failed
          enqueue({
            type: 'notify',
            params: {
              type: 'signaling.retrying',
              code: context.error?.code ?? 'socket-closed',
              message: context.error?.message ?? 'The connection to the relay was lost.',
              ...(context.error?.summary ? { summary: context.error.summary } : {}),
              attempt: context.attempt,
              attempts: retryLimit(context),
              delay: context.retryDelay,
              retryAt: Date.now() + context.retryDelay,
            },
          });
        }),
      ],
      always: {
        guard: 'retriesExhausted',
        target: 'failed',
      },
      on: { 'signaling.retry': { target: 'connecting' } },
      after: { reconnectDelay: { target: 'connecting' } },
    },
    closed: {
      // We said leave: the session is over, and the next connect is a new peer.
      entry: ['closeSocket', assign({ queue: [], resume: undefined })],
      on: {
        'signaling.connect': { target: 'connecting', actions: 'newSession' },
        'signaling.close': {},
      },
    },
    failed: {
      entry: [
        'closeSocket',
        {
          type: 'notify',
          params: ({ context }) => ({
            type: 'signaling.failed',
            code: context.error?.code ?? 'failed',
            message: context.error?.message ?? 'Signaling failed.',
            ...(context.error?.summary ? { summary: context.error.summary } : {}),
          }),
        },
      ],
      on: { 'signaling.connect': { target: 'connecting', actions: 'newSession' } },
    },
  },
});
