import { consume } from '@lit/context';
import { html, LitElement, nothing, svg, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { callStateOf, type Call } from '../../call.js';
import { RtcStatsEvent } from '../../events/rtc-stats.js';
import type { QualityLevel } from '../../machines/quality.machine.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import { findCall } from '../find-call.js';
import { initials } from '../initials.js';
import theme from '../theme.styles.js';
import { CONNECTION_LABELS, formatBitrate, formatFps, formatMs, formatPercent, type Figure } from './format.js';
import { RingBuffer } from './history.js';
import { PollController } from './poller.js';
import { sampleStats, type PeerStats, type StatsCounters, type StatsSample } from './sample.js';
import { areaPoints, seriesMax, sparklinePoints, type SeriesPoint, type SparklineBox } from './sparkline.js';
import styles from './stats.styles.js';
import { internalsOf, setState } from '../states.js';

export type { CandidateType, PeerStats, StatsSample } from './sample.js';

/** Poll every second unless told otherwise. */
const DEFAULT_INTERVAL = 1000;
/** How much history the sparklines show, in ms. */
const WINDOW = 60_000;
const BOX: SparklineBox = { width: 240, height: 48 };

/** Who is in the call, as far as the dashboard cares. */
interface StatsView {
  /** `false` before joining and after leaving. */
  inCall: boolean;
  peers: { key: string; name: string }[];
}

function statsView(call: Call): StatsView {
  const state = callStateOf(call.actor.getSnapshot());
  return {
    inCall: !['idle', 'ended', 'failed'].includes(state),
    peers: call.peers.map(({ key, meta }) => ({ key, name: String(meta.name ?? 'Guest') })),
  };
}

/** What the element keeps per participant between polls. */
interface PeerEntry {
  connection: RTCPeerConnection;
  counters?: StatsCounters;
  history: RingBuffer<StatsSample>;
}

const DASH: Figure = { value: '—', unit: '' };

/** A figure as a screen reader should hear it. */
const say = ({ value, unit }: Figure): string => (unit ? `${value} ${unit}` : 'not available');
/** A figure as one piece of text. */
const show = ({ value, unit }: Figure): string => (unit ? `${value} ${unit}` : value);

/**
 * A live dashboard of the call's connection statistics: one card per participant with incoming and outgoing
 * bitrate, round-trip time, jitter, packet loss, frame rate, resolution, codecs and how the connection travels
 * (direct, through a NAT, or relayed), and sparklines of bitrate and loss over the last minute.
 *
 * It reads `RTCPeerConnection.getStats()` every `interval` ms while it is on the page, and stops while it is
 * not. Apps get the same figures from the `stats` property and the `rtc-stats` event.
 *
 * @tagname rtc-stats
 * @summary Live connection statistics for every participant.
 *
 * @csspart base - The wrapper of everything.
 * @csspart peer - Each participant's card.
 * @csspart figures - The list of figures in a card.
 * @csspart sparkline - Each sparkline (`<svg>`).
 * @csspart empty - The message shown when there is no one to show.
 *
 * @cssprop --rtc-surface - Background of the cards.
 * @cssprop --rtc-radius - Corner radius of the cards.
 * @cssprop --rtc-gap - Space between cards.
 * @cssprop --rtc-stats-in - Colour of incoming bitrate.
 * @cssprop --rtc-stats-out - Colour of outgoing bitrate.
 * @cssprop --rtc-stats-loss - Colour of packet loss.
 * @cssprop --rtc-stats-card-min - Smallest width of a card before they wrap.
 *
 * @cssstate empty - Set while there is no participant to show.
 *
 * @fires {RtcStatsEvent} rtc-stats - A round of statistics was read; `event.stats` is the same as `stats`.
 */
export class RtcStats extends LitElement {
  static override styles = [theme, styles];

  readonly #internals: ElementInternals | undefined = internalsOf(this);
  readonly #view = new CallController<StatsView>(this, statsView, {
    equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
    find: () => findCall(this, this.call, this.contextCall),
    // Another call: start from scratch.
    onCall: () => {
      this.#entries.clear();
      this.#stats = Object.freeze({});
    },
  });
  readonly #poller = new PollController(this, (current) => this.#poll(current), DEFAULT_INTERVAL);
  readonly #entries = new Map<string, PeerEntry>();
  #stats: Readonly<Record<string, PeerStats>> = Object.freeze({});

  /** @internal The call of the nearest `<rtc-call>`, from context. */
  @consume({ context: callContext, subscribe: true })
  @state()
  accessor contextCall: Call | undefined;

  /** Id of an `<rtc-call>` to show, when this element is not inside one. */
  @property() accessor call = '';

  /** Time between two readings, in ms. A value that is not a positive number means the default, 1000. */
  @property({ type: Number }) accessor interval: number = DEFAULT_INTERVAL;

  override connectedCallback(): void {
    this.#poller.interval = this.#interval;
    super.connectedCallback();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('contextCall') || changed.has('call')) this.#view.rebind();
    if (changed.has('interval')) {
      this.#poller.interval = this.#interval;
      for (const entry of this.#entries.values()) entry.history.resize(this.#capacity);
    }
  }

  protected override updated(): void {
    setState(this.#internals, 'empty', !this.#view.value?.peers.length);
  }

  /**
   * The figures of every participant read so far, by participant key: name, latest sample, and the samples of
   * the last 60 s. Replaced (not changed) after each round.
   *
   * @example
   * const { latest } = Object.values(document.querySelector('rtc-stats').stats)[0];
   * console.log(`${latest.bitrateIn} kbit/s, ${latest.rtt} ms`);
   */
  get stats(): Readonly<Record<string, PeerStats>> {
    return this.#stats;
  }

  /** The interval in use: `interval` when it is a positive number, else the default. */
  get #interval(): number {
    const ms = Number(this.interval);
    return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_INTERVAL;
  }

  /** How many samples make up the last minute. */
  get #capacity(): number {
    return Math.ceil(WINDOW / this.#interval) + 1;
  }

  /** Reads every participant's connection once, updates the history, and tells the app. */
  async #poll(current: () => boolean): Promise<void> {
    const call = this.#view.call;
    if (!call) return;
    const peers = this.#view.value?.peers ?? [];
    const readings = await Promise.all(
      peers.map(async ({ key }) => {
        const connection = call.connection(key);
        if (!connection || connection.connectionState === 'closed') return undefined;
        try {
          const report = await connection.getStats();
          return { key, connection, report, time: performance.timeOrigin + performance.now() };
        } catch {
          // The connection closed while reading: skip it this round.
          return undefined;
        }
      }),
    );
    if (!current() || call !== this.#view.call) return;

    const present = new Set(peers.map(({ key }) => key));
    for (const key of this.#entries.keys()) if (!present.has(key)) this.#entries.delete(key);
    for (const reading of readings) {
      if (!reading) continue;
      let entry = this.#entries.get(reading.key);
      if (!entry) {
        entry = { connection: reading.connection, history: new RingBuffer(this.#capacity) };
        this.#entries.set(reading.key, entry);
      }
      // A new connection to the same participant starts its counters from zero: rates restart, history stays.
      if (entry.connection !== reading.connection) entry.counters = undefined;
      entry.connection = reading.connection;
      const { sample, counters } = sampleStats(entry.counters, reading.report, reading.time);
      entry.counters = counters;
      const quality = call.peers.find(({ key }) => key === reading.key)?.quality?.level;
      entry.history.push(quality ? { ...sample, quality } : sample);
    }

    const stats: Record<string, PeerStats> = {};
    for (const { key, name } of peers) {
      const history = this.#entries.get(key)?.history.toArray() ?? [];
      const latest = history.at(-1);
      if (latest) stats[key] = { name, latest, history };
    }
    this.#stats = Object.freeze(stats);
    this.requestUpdate();
    this.dispatchEvent(new RtcStatsEvent(this.#stats));
  }

  #figure(label: string, figure: Figure, className = '') {
    return html`
      <div class="figure ${className}">
        <dt>${label}</dt>
        <dd>
          <span class="value">${figure.value}</span>
          ${figure.unit ? html`<span class="unit">${figure.unit}</span>` : nothing}
        </dd>
      </div>
    `;
  }

  #sparkline(
    label: string,
    series: { name: string; points: SeriesPoint[] }[],
    end: number,
    max: number,
    marks: { time: number; level: QualityLevel }[] = [],
  ) {
    const scale = max * 1.12;
    return html`
      <svg
        part="sparkline"
        class="sparkline"
        viewBox="0 0 ${BOX.width} ${BOX.height}"
        preserveAspectRatio="none"
        role="img"
        aria-label=${label}
      >
        <line class="grid" x1="0" x2=${BOX.width} y1=${BOX.height / 2} y2=${BOX.height / 2}></line>
        ${series.map(({ name, points }) =>
          sparklinePoints(points, end, WINDOW, scale, BOX).map(
            (line) => svg`
              <polygon class="area ${name}" points=${areaPoints(line, BOX)}></polygon>
              <polyline class="line ${name}" points=${line}></polyline>
            `,
          ),
        )}
        ${marks.map(({ time, level }) => {
          const x = BOX.width - ((end - time) / WINDOW) * BOX.width;
          return svg`<line class="mark ${level}" x1=${x} x2=${x} y1="0" y2=${BOX.height}><title>Video sent: ${level}</title></line>`;
        })}
      </svg>
    `;
  }

  #card(key: string, name: string) {
    const stats = this.#stats[key];
    const latest = stats?.latest;
    const history = stats?.history ?? [];
    const end = latest?.time ?? 0;
    const inPoints = history.map(({ time, bitrateIn }) => ({ time, value: bitrateIn }));
    const outPoints = history.map(({ time, bitrateOut }) => ({ time, value: bitrateOut }));
    const lossPoints = history.map(({ time, loss }) => ({ time, value: loss }));
    const bitrateMax = seriesMax([...inPoints, ...outPoints], 1);
    // Where the quality of the video sent changed: drawn across the bitrate chart.
    const marks = history.flatMap((sample, i) =>
      i > 0 && sample.quality && sample.quality !== history[i - 1]!.quality
        ? [{ time: sample.time, level: sample.quality }]
        : [],
    );
    const level = latest?.quality;
    const lossMax = seriesMax(lossPoints, 1);
    const sampled = (points: SeriesPoint[]) => points.some(({ value }) => value !== null);
    const peakBitrate = formatBitrate(
      sampled(inPoints) || sampled(outPoints) ? seriesMax([...inPoints, ...outPoints], 0) : null,
    );
    const peakLoss = formatPercent(sampled(lossPoints) ? seriesMax(lossPoints, 0) : null);
    const type = latest?.connectionType;
    const resolution = latest?.resolution;
    const bitrateIn = formatBitrate(latest?.bitrateIn);
    const bitrateOut = formatBitrate(latest?.bitrateOut);
    const loss = formatPercent(latest?.loss);
    return html`
      <article part="peer" class="peer" aria-label="Statistics for ${name}">
        <header class="head">
          <span class="avatar" aria-hidden="true">${initials(name)}</span>
          <span class="name">${name}</span>
          <span
            class="badge ${type ?? 'pending'}"
            title=${type ? `Local ${latest?.localCandidateType ?? '?'}, remote ${latest?.remoteCandidateType ?? '?'}` : ''}
          >
            <span class="dot" aria-hidden="true"></span>
            ${
              type
                ? html`${CONNECTION_LABELS[type]}
                    <span class="types"
                      >${latest?.localCandidateType ?? '?'}/${latest?.remoteCandidateType ?? '?'}</span
                    >`
                : 'Connecting…'
            }
          </span>
        </header>
        <dl part="figures" class="figures">
          ${this.#figure('In', bitrateIn, 'in')} ${this.#figure('Out', bitrateOut, 'out')}
          ${this.#figure('Round trip', formatMs(latest?.rtt))} ${this.#figure('Jitter', formatMs(latest?.jitter))}
          ${this.#figure('Loss', loss, 'loss')} ${this.#figure('Frame rate', formatFps(latest?.fps))}
          ${this.#figure('Resolution', resolution ? { value: `${resolution.width}×${resolution.height}`, unit: '' } : DASH)}
          ${this.#figure('Codec', { value: latest?.codec ?? latest?.audioCodec ?? '—', unit: latest?.codec ? (latest.audioCodec ?? '') : '' })}
        </dl>
        <div class="chart">
          <div class="chart-head" aria-hidden="true">
            <span class="chart-title">Bitrate</span>
            <span class="legend in">in</span>
            <span class="legend out">out</span>
            ${level ? html`<span class="legend level ${level}">sending ${level === 'audio-only' ? 'audio only' : level}</span>` : nothing}
            <span class="scale">peak ${show(peakBitrate)}</span>
          </div>
          ${this.#sparkline(
            `Bitrate over the last minute: ${say(bitrateIn)} in, ${say(bitrateOut)} out, peak ${say(peakBitrate)}.${
              marks.length ? ` Video quality changed ${marks.length} times, now ${level}.` : ''
            }`,
            // Outgoing first, so that incoming draws on top where they overlap.
            [
              { name: 'out', points: outPoints },
              { name: 'in', points: inPoints },
            ],
            end,
            bitrateMax,
            marks,
          )}
        </div>
        <div class="chart">
          <div class="chart-head" aria-hidden="true">
            <span class="chart-title">Packet loss</span>
            <span class="scale">peak ${show(peakLoss)}</span>
          </div>
          ${this.#sparkline(
            `Packet loss over the last minute: ${say(loss)} now, peak ${say(peakLoss)}.`,
            [{ name: 'loss', points: lossPoints }],
            end,
            lossMax,
          )}
          <div class="axis" aria-hidden="true"><span>60 s ago</span><span>now</span></div>
        </div>
      </article>
    `;
  }

  protected override render() {
    const view = this.#view.value;
    const peers = view?.peers ?? [];
    return html`
      <section part="base" class="base" aria-label="Call statistics">
        ${
          peers.length
            ? html`<div class="cards">
                ${repeat(
                  peers,
                  ({ key }) => key,
                  ({ key, name }) => this.#card(key, name),
                )}
              </div>`
            : html`<p part="empty" class="empty" role="status">
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 17l5-5 4 4 8-8 M15 8h5v5" /></svg>
                ${view?.inCall ? 'No one else is in the call yet.' : 'Not in a call.'}
              </p>`
        }
      </section>
    `;
  }
}
