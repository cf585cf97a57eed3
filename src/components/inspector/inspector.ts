import { consume } from '@lit/context';
import { html, LitElement, nothing, svg, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Call } from '../../call.js';
import { RtcTraceOpenEvent } from '../../events/rtc-trace-open.js';
import type { TraceOptions } from '../../recorder/recorder.js';
import { parseTrace, type Trace } from '../../recorder/trace.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import { findCall } from '../find-call.js';
import theme from '../theme.styles.js';
import styles from './inspector.styles.js';
import { internalsOf, setState } from '../states.js';

type Panel = typeof import('./panel.js');
type Nav = import('./panel.js').Nav;

let loading: Promise<Panel> | undefined;
/**
 * The inspector's body (statecharts, timeline, lane), loaded the first time an inspector connects. Its own chunk:
 * pages that never show an inspector never download it.
 */
const loadPanel = (): Promise<Panel> => (loading ??= import('./panel.js'));

/**
 * A developer tool for one call: a live statechart of every actor of the engine (the call, signaling, media, each
 * peer with its ICE and quality children), drawn from the machine definitions, with the active states lit and the
 * transition just taken flashing; a timeline of every event each actor received, with sender, receiver and the
 * state before and after (SDP shown as type, m-lines and codecs); the link's bitrate and loss on the same time
 * axis; and a time slider to look back.
 *
 * Each chart zooms (**+**, **−**, Ctrl+wheel), pans (drag) and collapses (**▾**); clicking a state filters the
 * timeline to the events that entered or left it; clicking an event's type shows that instant with the transition
 * it took highlighted. Failures (a denied camera, an unreachable relay, an ICE failure…) are listed above the
 * timeline with their cause.
 *
 * It reads the call's flight recorder (`call.recorder`): nothing is sent anywhere. **Export trace** saves the
 * recording as JSON (SDP and candidates redacted); **Open trace…** loads such a file and replays it, the
 * statecharts following the slider. The relay serves a page for that at `/inspect`. The statecharts (laid out
 * with dagre), timeline and their styles load on demand, in their own chunk.
 *
 * @tagname rtc-inspector
 * @summary See every state machine of a call live; export, open and replay traces.
 *
 * @csspart base - The wrapper of everything.
 * @csspart toolbar - The bar with the mode, the time and the buttons.
 * @csspart export - The Export trace button.
 * @csspart open - The Open trace… button (a label around a file input).
 * @csspart charts - The area of the statecharts.
 * @csspart chart - Each actor's statechart (a `<figure>`, `data-actor-path` names the actor).
 * @csspart timeline - The event timeline.
 * @csspart lane - The link lane and the time slider.
 * @csspart problem - The message shown when a file cannot be opened.
 *
 * @cssprop --rtc-inspector-height - Height of the inspector. Default 40rem.
 * @cssprop --rtc-inspector-mono - Monospace font of the timeline and labels.
 * @cssprop --rtc-inspector-flash - Colour of the transition just taken and of the time cursor.
 * @cssprop --rtc-inspector-call - Colour of the call actor.
 * @cssprop --rtc-inspector-signaling - Colour of the signaling actor.
 * @cssprop --rtc-inspector-media - Colour of the media actor.
 * @cssprop --rtc-inspector-peer - Colour of each peer actor.
 * @cssprop --rtc-inspector-ice - Colour of each ice actor.
 * @cssprop --rtc-inspector-quality - Colour of each quality actor.
 * @cssprop --rtc-bg - Background.
 * @cssprop --rtc-surface - Background of panels and charts.
 * @cssprop --rtc-fg - Text colour.
 * @cssprop --rtc-accent - Accent colour.
 *
 * @cssstate live - Showing the running call.
 * @cssstate replay - Replaying a trace that was opened or set.
 *
 * @fires {RtcTraceOpenEvent} rtc-trace-open - The user opened a trace file; it is now replayed.
 */
export class RtcInspector extends LitElement {
  static override styles = [theme, styles];

  readonly #internals: ElementInternals | undefined = internalsOf(this);
  readonly #view = new CallController<Call>(this, (call) => call, {
    equals: Object.is,
    find: () => findCall(this, this.call, this.contextCall),
    onCall: (call) => this.#watch(call),
  });
  #unwatch?: () => void;
  #frame = 0;
  #fileName = '';

  /** @internal The call of the nearest `<rtc-call>`, from context. */
  @consume({ context: callContext, subscribe: true })
  @state()
  accessor contextCall: Call | undefined;

  /** @internal */
  @state() accessor panel: Panel | undefined;
  /** @internal */
  @state() accessor problem = '';
  /** @internal */
  @state() accessor actorFilter = '';
  /** @internal */
  @state() accessor textFilter = '';
  /** @internal Zoom, pan, collapsed charts, the state filter and the event picked: the panel's, kept here across loads. */
  @state() accessor nav: Nav = {};

  /** Id of an `<rtc-call>` to inspect, when this element is not inside one. */
  @property() accessor call = '';

  /** A trace to replay instead of the live call (what **Open trace…** sets). `undefined`: the live call. */
  @property({ attribute: false }) accessor trace: Trace | undefined;

  /** The instant shown, in ms since the epoch; `undefined` follows the newest. Set by the slider. */
  @property({ attribute: false }) accessor time: number | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    this.#watch(this.#view.call);
    if (!this.panel)
      loadPanel().then(
        (panel) => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(panel.panelStyles);
          const root = this.renderRoot as ShadowRoot;
          root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
          this.panel = panel;
        },
        (error: unknown) => {
          this.problem = `The inspector could not load: ${String(error)}`;
        },
      );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unwatch?.();
    this.#unwatch = undefined;
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('contextCall') || changed.has('call')) this.#view.rebind();
    if (changed.has('trace')) {
      if (this.trace) this.time = undefined;
      this.nav = {};
    }
  }

  protected override updated(): void {
    const replay = !!this.trace;
    setState(this.#internals, 'replay', replay);
    setState(this.#internals, 'live', !replay && !!this.#view.call);
  }

  /** Redraws once per frame at most while the recorder records. */
  #watch(call: Call | undefined): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    if (!call || !this.isConnected) return;
    this.#unwatch = call.recorder.subscribe(() => {
      if (this.#frame || this.trace) return;
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.requestUpdate();
      });
    });
  }

  /** What is shown: the replayed trace, or the live recording. */
  #shown(): Trace | undefined {
    return this.trace ?? this.#view.call?.recorder.live();
  }

  /**
   * The trace shown: the replayed one, or the live call's (`options` as for `call.exportTrace()`).
   *
   * @example
   * const trace = inspector.exportTrace(); // JSON-safe, SDP redacted
   */
  exportTrace(options: TraceOptions = {}): Trace | undefined {
    return this.trace ?? this.#view.call?.exportTrace(options);
  }

  /** Saves the trace shown as a JSON file (what **Export trace** does). */
  download(): void {
    const trace = this.exportTrace();
    // The saving code is in the panel's chunk, like everything the kit's first load does not need.
    if (trace) void loadPanel().then((panel) => panel.saveTrace(trace, this.#fileName));
  }

  /**
   * Opens a trace file (or its text) and replays it. A file that is not a trace shows a message and fires nothing.
   *
   * @example
   * await inspector.open(fileInput.files[0]);
   */
  async open(file: Blob | string, name = (file as File).name ?? 'trace.json'): Promise<boolean> {
    try {
      const trace = parseTrace(JSON.parse(typeof file === 'string' ? file : await file.text()));
      this.problem = '';
      this.#fileName = name;
      this.trace = trace;
      this.dispatchEvent(new RtcTraceOpenEvent(trace, name));
      return true;
    } catch (error) {
      this.problem =
        error instanceof SyntaxError ? `${name} is not JSON.` : `${name}: ${(error as Error).message ?? String(error)}`;
      return false;
    }
  }

  /** Back to the live call, following its newest events. */
  follow(): void {
    this.trace = undefined;
    this.#fileName = '';
    this.time = undefined;
  }

  protected override render() {
    const panel = this.panel;
    const trace = this.#shown();
    if (!panel || !trace)
      return html`<p class="loading" part="base" role="status">
        ${this.problem || (panel ? 'No call to inspect yet: join one, or open a trace file.' : 'Loading inspector…')}
        ${
          panel
            ? html`<label class="open" part="open"
                >Open trace…
                <input type="file" accept="application/json,.json" @change=${this.#onPick} />
              </label>`
            : nothing
        }
      </p>`;
    const live = !this.trace;
    const following = this.time === undefined;
    const cursor = Math.min(trace.end, Math.max(trace.start, this.time ?? trace.end));
    return panel.renderPanel(
      {
        trace,
        live,
        source: live ? `${trace.actors.length} actors, ${trace.events.length} events` : this.#fileName || 'trace',
        cursor,
        following,
        actorFilter: this.actorFilter,
        textFilter: this.textFilter,
        problem: this.problem,
        nav: this.nav,
        on: {
          nav: (nav) => (this.nav = nav),
          cursor: (time) => {
            this.time = live && time >= trace.end - 1 ? undefined : time;
          },
          follow: () => this.follow(),
          actor: (id) => (this.actorFilter = id),
          text: (text) => (this.textFilter = text),
          exportTrace: () => this.download(),
          open: (file) => void this.open(file),
          dismiss: () => (this.problem = ''),
        },
      },
      { html, svg, nothing },
    );
  }

  #onPick(event: Event): void {
    const file = (event.target as HTMLInputElement).files?.[0];
    if (file) void this.open(file);
  }
}
