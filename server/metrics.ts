import { Counter, Gauge, Registry } from 'prom-client';

/** The counts {@link RelayMetrics} reads when scraped. */
export interface MetricsSource {
  connections(): number;
  rooms(): number;
  peers(): number;
  held(): number;
}

/**
 * The relay's Prometheus metrics, in a registry of its own so that several relays in one process do not mix
 * their figures. Served at `GET /metrics`.
 *
 * @example
 * const metrics = new RelayMetrics({ connections: () => 0, rooms: () => 0, peers: () => 0, held: () => 0 });
 * metrics.messageIn('join');
 * console.log(await metrics.registry.metrics());
 */
export class RelayMetrics {
  /** The registry to scrape. */
  readonly registry = new Registry();
  readonly #in: Counter<'type'>;
  readonly #out: Counter<'type'>;
  readonly #errors: Counter<'code'>;
  readonly #rateLimited: Counter;
  readonly #authFailures: Counter<'reason'>;
  readonly #rejected: Counter<'reason'>;
  readonly #resumes: Counter;
  // Children looked up once: labels() on every message would hash the label set each time.
  readonly #inChildren = new Map<string, { inc(): void }>();
  readonly #outChildren = new Map<string, { inc(): void }>();

  constructor(source: MetricsSource) {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    gauge('rtc_relay_connections', 'Open WebSocket connections.', () => source.connections());
    gauge('rtc_relay_rooms', 'Rooms with at least one peer on this node.', () => source.rooms());
    gauge('rtc_relay_peers', 'Peers in a room on this node, held sessions included.', () => source.peers());
    gauge('rtc_relay_held_sessions', 'Sessions whose socket dropped, waiting for a resume.', () => source.held());
    this.#in = new Counter({
      name: 'rtc_relay_messages_in_total',
      help: 'Client messages received, by type (invalid: not a valid message).',
      labelNames: ['type'],
      registers,
    });
    this.#out = new Counter({
      name: 'rtc_relay_messages_out_total',
      help: 'Messages sent to clients, by type.',
      labelNames: ['type'],
      registers,
    });
    this.#errors = new Counter({
      name: 'rtc_relay_errors_total',
      help: 'error messages sent to clients, by code.',
      labelNames: ['code'],
      registers,
    });
    this.#rateLimited = new Counter({
      name: 'rtc_relay_rate_limited_total',
      help: 'Messages dropped by the per-connection rate limit.',
      registers,
    });
    this.#authFailures = new Counter({
      name: 'rtc_relay_auth_failures_total',
      help: 'Upgrades refused with 401, by reason (missing, invalid, expired token).',
      labelNames: ['reason'],
      registers,
    });
    this.#rejected = new Counter({
      name: 'rtc_relay_rejected_upgrades_total',
      help: 'Upgrades refused before any WebSocket existed, by reason (auth, origin, ip-limit, path).',
      labelNames: ['reason'],
      registers,
    });
    this.#resumes = new Counter({
      name: 'rtc_relay_resumes_total',
      help: 'Sessions taken back by a resume.',
      registers,
    });
  }

  /** Counts one client message of `type`. */
  messageIn(type: string): void {
    let child = this.#inChildren.get(type);
    if (!child) this.#inChildren.set(type, (child = this.#in.labels(type)));
    child.inc();
  }

  /** Counts one message of `type` sent to a client. */
  messageOut(type: string): void {
    let child = this.#outChildren.get(type);
    if (!child) this.#outChildren.set(type, (child = this.#out.labels(type)));
    child.inc();
  }

  /** Counts one `error` message. */
  error(code: string): void {
    this.#errors.labels(code).inc();
  }

  /** Counts one message dropped by the rate limit. */
  rateLimited(): void {
    this.#rateLimited.inc();
  }

  /** Counts one upgrade refused for its token. */
  authFailure(reason: string): void {
    this.#authFailures.labels(reason).inc();
  }

  /** Counts one upgrade refused at the HTTP stage. */
  rejected(reason: string): void {
    this.#rejected.labels(reason).inc();
  }

  /** Counts one successful resume. */
  resumed(): void {
    this.#resumes.inc();
  }
}
