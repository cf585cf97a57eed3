/**
 * The body of `<rtc-inspector>`, loaded on demand (a dynamic import) so that none of it weighs on the kit bundle:
 * statecharts, timeline, stats lane and replay slider. It imports nothing at run time that the kit has too (Lit's
 * template tags come from the element), so the bundler emits it as one chunk on its own and dist/rtc-kit.js stays
 * a single file.
 *
 * @module
 */
import type { html as litHtml, nothing as litNothing, svg as litSvg, TemplateResult } from 'lit';
import type { Trace, TraceEvent, TraceStat } from '../../recorder/trace.js';
import { activeStates, layoutMachine, type StateBox } from './layout.js';
import panelStyles from './panel.styles.js';
import { actorsAt, describeEvent, describeFailure, formatValue, shortName, shortPath, type ActorAt } from './replay.js';

export { panelStyles };
export { actorsAt, describeFailure, formatValue } from './replay.js';

/** Lit's template tags, handed over by the element. */
export interface LitTags {
  html: typeof litHtml;
  svg: typeof litSvg;
  nothing: typeof litNothing;
}

/** What the element hands the panel to draw. */
export interface PanelModel {
  trace: Trace;
  /** Following a running call (`true`), or replaying a file. */
  live: boolean;
  /** What is shown: the file name of a replayed trace. */
  source: string;
  /** The instant shown, ms since the epoch. */
  cursor: number;
  /** The cursor sticks to the newest instant. */
  following: boolean;
  /** Session id of the one actor the timeline shows, or `''` for all. */
  actorFilter: string;
  /** Text the event types must contain. */
  textFilter: string;
  /** A message to show (a file that is not a trace…). */
  problem: string;
  /** How the user navigates the charts; the element keeps it and hands it back. */
  nav: Nav;
  on: {
    nav(nav: Nav): void;
    cursor(time: number): void;
    follow(): void;
    actor(id: string): void;
    text(text: string): void;
    exportTrace(): void;
    open(file: File): void;
    dismiss(): void;
  };
}

/**
 * Saves `trace` as a JSON file, named `name` or `rtc-trace-<end time>.json` (what **Export trace** does).
 *
 * @example
 * saveTrace(call.exportTrace());
 */
export function saveTrace(trace: Trace, name = ''): void {
  const url = URL.createObjectURL(new Blob([JSON.stringify(trace, null, 1)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name || `rtc-trace-${new Date(trace.end).toISOString().replace(/[:.]/g, '-')}.json`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** How the user navigates: zoom and pan, collapsed charts, the state filter, the event picked. */
export interface Nav {
  /** Paths of the actors whose chart is collapsed to its caption. */
  collapsed?: string[];
  /** Zoom and pan of each chart, by actor path. */
  views?: Record<string, ChartView>;
  /** The timeline shows only the events with which this actor entered or left this state. */
  filter?: { actor: string; state: string };
  /** `seq` of the timeline event whose transition the charts highlight. */
  picked?: number;
}

/** The navigation actions, on top of `model.on.nav`. */
function navigation(model: PanelModel) {
  const nav = model.nav;
  return {
    view: (path: string, view: ChartView) => model.on.nav({ ...nav, views: { ...nav.views, [path]: view } }),
    collapse: (path: string) => {
      const collapsed = nav.collapsed ?? [];
      model.on.nav({
        ...nav,
        collapsed: collapsed.includes(path) ? collapsed.filter((p) => p !== path) : [...collapsed, path],
      });
    },
    state: (actor: string, state: string) => model.on.nav({ ...nav, filter: state ? { actor, state } : undefined }),
    select: (seq: number | undefined) => {
      model.on.nav({ ...nav, picked: seq });
      const event = seq === undefined ? undefined : model.trace.events.find((e) => e.seq === seq);
      // The charts show the instant the event happened, its transition highlighted.
      if (event) model.on.cursor(event.time);
    },
  };
}

/** Most timeline rows drawn: the newest ones up to the cursor. */
const MAX_ROWS = 300;
const LANE = { width: 1000, height: 96, top: 8, chart: 54, ticks: 64 };

const seconds = (ms: number): string => `${(ms / 1000).toFixed(ms < 10_000 ? 3 : 1)} s`;

/** A colour per kind of actor, the same in the charts' headers, the timeline and the ticks of the lane. */
function hue(path: string): string {
  const name = path.split('/').at(-1) ?? '';
  const machine = name.split(':')[0];
  return (
    {
      call: 'call',
      signaling: 'signaling',
      socket: 'signaling',
      media: 'media',
      peer: 'peer',
      ice: 'ice',
      quality: 'quality',
    }[machine ?? ''] ?? 'other'
  );
}

/** Zoom and pan of one chart: `scale` 1 shows it whole; `x`, `y` shift the view, in chart units. */
export interface ChartView {
  scale: number;
  x: number;
  y: number;
}

/** The view of a chart nobody zoomed or panned. */
export const WHOLE: ChartView = Object.freeze({ scale: 1, x: 0, y: 0 });
const MARGIN = 8;
const MIN_SCALE = 0.5;
const MAX_SCALE = 4;

/** A view zoomed by `factor` around the chart's centre, within bounds. */
export function zoomed(view: ChartView, factor: number): ChartView {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  return { ...view, scale: Math.abs(scale - 1) < 0.01 ? 1 : scale };
}

/** The events of `trace` with which `actor` entered or left the state `stateId`. */
export function entersOrLeaves(trace: Trace, actor: string, stateId: string): TraceEvent[] {
  const info = trace.actors.find((a) => a.id === actor);
  const graph = info?.machine ? trace.machines[info.machine] : undefined;
  if (!graph) return [];
  let value = info!.initial;
  const out: TraceEvent[] = [];
  for (const event of trace.events) {
    if (event.target !== actor) continue;
    const before = event.before ?? value;
    if (event.after !== undefined) value = event.after;
    if (!event.transitions?.length) continue;
    const was = activeStates(graph, before).has(stateId);
    const is = activeStates(graph, event.after).has(stateId);
    // A self-transition of the state, or of one inside it, leaves and re-enters it.
    const through = event.transitions.some((key) => {
      const [source, , targets] = key.split('|');
      return (
        (source === stateId || source?.startsWith(`${stateId}.`)) &&
        targets?.split(',').some((t) => t === stateId || t.startsWith(`${stateId}.`))
      );
    });
    if (was !== is || (was && through)) out.push(event);
  }
  return out;
}

function chart(tags: LitTags, model: PanelModel, entry: ActorAt, selected: TraceEvent | undefined): unknown {
  const { svg, html, nothing } = tags;
  const { trace, cursor } = model;
  const go = navigation(model);
  const graph = entry.actor.machine ? trace.machines[entry.actor.machine] : undefined;
  if (!graph) return nothing;
  const path = entry.actor.path;
  const layout = layoutMachine(graph);
  const active = activeStates(graph, entry.value);
  const last = entry.last;
  const taken = new Set(last?.transitions ?? []);
  const picked = selected && selected.target === entry.actor.id ? new Set(selected.transitions ?? []) : undefined;
  const pickedTargets = new Set([...(picked ?? [])].flatMap((k) => k.split('|')[2]?.split(',') ?? []));
  const filtered = model.nav.filter?.actor === entry.actor.id ? model.nav.filter.state : '';
  // Recent: flash it. A different animation name per event restarts the animation on every new transition.
  const recent = last && cursor - last.time < 1500;
  const flash = recent ? `flash-${last.seq % 2}` : '';
  const boxes = layout.boxes;
  const box = (b: StateBox): unknown => {
    const isActive = active.has(b.node.id);
    const isLeaf = !b.children.length;
    const initial =
      b.depth > 0 && boxes.get(b.node.id.slice(0, b.node.id.lastIndexOf('.')))?.node.initial === b.node.key;
    const classes = [
      'state',
      b.node.type,
      isActive ? 'active' : '',
      isLeaf ? 'leaf' : 'group',
      recent && last?.transitions?.some((k) => k.split('|')[2]?.split(',').includes(b.node.id))
        ? `entered ${flash}`
        : '',
      pickedTargets.has(b.node.id) ? 'picked' : '',
      filtered === b.node.id ? 'filtered' : '',
    ].join(' ');
    if (b.depth === 0) return svg`${b.children.map(box)}`;
    const toggle = (): void => go.state(entry.actor.id, filtered === b.node.id ? '' : b.node.id);
    return svg`<g class=${classes} data-state-id=${b.node.id}>
      <rect
        x=${b.x} y=${b.y} width=${b.w} height=${b.h} rx=${isLeaf ? 13 : 8}
        role="button"
        tabindex="0"
        aria-pressed=${filtered === b.node.id ? 'true' : 'false'}
        aria-label="${b.node.id}${isActive ? ' (active)' : ''}: show the events that entered or left it"
        @click=${toggle}
        @keydown=${(e: KeyboardEvent) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            toggle();
          }
        }}
      ></rect>
      ${initial ? svg`<circle class="initial" cx=${b.x - 5} cy=${b.y + (isLeaf ? b.h / 2 : 11)} r="3"></circle>` : nothing}
      <text x=${isLeaf ? b.x + b.w / 2 : b.x + 9} y=${b.y + (isLeaf ? b.h / 2 + 4 : 15)} class=${isLeaf ? 'label center' : 'label'}>${b.node.key}${
        b.node.type === 'final' ? ' ◉' : ''
      }</text>
      ${b.node.type === 'parallel' ? svg`<title>parallel: every region is active at once</title>` : nothing}
      ${b.children.map(box)}
    </g>`;
  };
  const anyNodes = layout.anyNodes.map(
    (a) => svg`<g class="any-node ${active.has(a.owner) ? 'live' : ''}" data-owner=${a.owner}>
      <title>In any state of ${a.owner}</title>
      <circle cx=${a.x} cy=${a.y} r=${a.r}></circle>
    </g>`,
  );
  const edges = layout.edges.map((edge) => {
    const isTaken = recent && edge.keys.some((key) => taken.has(key));
    const isPicked = !!picked && edge.keys.some((key) => picked.has(key));
    const live = active.has(edge.source);
    const top = edge.ly - edge.lh / 2 + 1;
    return svg`<g class="edge ${edge.any ? 'any' : ''} ${live ? 'live' : ''} ${isTaken ? `taken ${flash}` : ''} ${isPicked ? 'picked' : ''}"
      data-from=${edge.source} data-to=${edge.target} data-any=${edge.any ? 'true' : 'false'} data-keys=${edge.keys.join(' ')}>
      <title>${edge.title}</title>
      <path d=${edge.d} marker-end=${isTaken || isPicked ? 'url(#rtc-arrow-hot)' : live ? 'url(#rtc-arrow-live)' : 'url(#rtc-arrow)'}></path>
      ${
        edge.lines.length
          ? svg`<text class="edge-label" x=${edge.lx} y=${top}>${edge.lines.map(
              (line, i) => svg`<tspan x=${edge.lx} y=${top + 9.5 + i * 12}>${line}</tspan>`,
            )}</text>`
          : nothing
      }
    </g>`;
  });
  const name = shortName(path);
  const state = formatValue(entry.value);
  const collapsed = !!model.nav.collapsed?.includes(path);
  const view = model.nav.views?.[path] ?? WHOLE;
  const fullW = layout.width + 2 * MARGIN;
  const fullH = layout.height + 2 * MARGIN;
  const vw = fullW / view.scale;
  const vh = fullH / view.scale;
  const vx = -MARGIN + (fullW - vw) / 2 + view.x;
  const vy = -MARGIN + (fullH - vh) / 2 + view.y;
  let drag: { x: number; y: number; view: ChartView; moved: boolean } | undefined;
  const onDown = (e: PointerEvent): void => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, view, moved: false };
  };
  const onMove = (e: PointerEvent): void => {
    if (!drag) return;
    const target = e.currentTarget as SVGSVGElement;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) target.setPointerCapture?.(e.pointerId);
    drag.moved = true;
    const unit = vw / Math.max(1, target.clientWidth);
    go.view(path, { ...drag.view, x: drag.view.x - dx * unit, y: drag.view.y - dy * unit });
  };
  const onUp = (e: PointerEvent): void => {
    if (drag?.moved) (e.currentTarget as SVGSVGElement).releasePointerCapture?.(e.pointerId);
    drag = undefined;
  };
  const onKey = (e: KeyboardEvent): void => {
    const step = vw / 10;
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const move = moves[e.key];
    if (move) go.view(path, { ...view, x: view.x + move[0], y: view.y + move[1] });
    else if (e.key === '+' || e.key === '=') go.view(path, zoomed(view, 1.25));
    else if (e.key === '-') go.view(path, zoomed(view, 1 / 1.25));
    else if (e.key === '0') go.view(path, WHOLE);
    else return;
    e.preventDefault();
  };
  const onWheel = (e: WheelEvent): void => {
    if (!e.ctrlKey && !e.metaKey) return;
    e.preventDefault();
    go.view(path, zoomed(view, e.deltaY < 0 ? 1.2 : 1 / 1.2));
  };
  return html`
    <figure
      part="chart"
      class="chart ${hue(path)} ${collapsed ? 'collapsed' : ''}"
      data-actor=${entry.actor.id}
      data-actor-path=${path}
      data-machine=${graph.id}
    >
      <figcaption>
        <button
          type="button"
          class="collapse"
          aria-expanded=${collapsed ? 'false' : 'true'}
          aria-label="${collapsed ? 'Expand' : 'Collapse'} the chart of ${path}"
          @click=${() => go.collapse(path)}
        >
          ${collapsed ? '▸' : '▾'}
        </button>
        <span class="dot" aria-hidden="true"></span>
        <span class="name" title=${path}>${name}</span>
        ${name !== graph.id ? html`<span class="machine">${graph.id}</span>` : nothing}
        <span class="value" title=${state}>${state}</span>
        ${
          collapsed
            ? nothing
            : html`<span class="zoom" role="group" aria-label="Zoom">
                <button
                  type="button"
                  class="zoom-out"
                  aria-label="Zoom out"
                  @click=${() => go.view(path, zoomed(view, 1 / 1.25))}
                >
                  −
                </button>
                <button
                  type="button"
                  class="zoom-reset"
                  aria-label="${Math.round(view.scale * 100)}%: show the whole chart"
                  @click=${() => go.view(path, WHOLE)}
                >
                  ${Math.round(view.scale * 100)}%
                </button>
                <button
                  type="button"
                  class="zoom-in"
                  aria-label="Zoom in"
                  @click=${() => go.view(path, zoomed(view, 1.25))}
                >
                  +
                </button>
              </span>`
        }
      </figcaption>
      ${
        collapsed
          ? nothing
          : html`<svg
              viewBox="${vx} ${vy} ${vw} ${vh}"
              width=${fullW}
              role="group"
              class=${view === WHOLE ? '' : 'moved'}
              tabindex="0"
              aria-label="Statechart of ${path}: ${state || 'not started'}. Drag or arrow keys to pan, Ctrl+wheel or + and − to zoom, 0 to show it whole."
              @keydown=${onKey}
              @pointerdown=${onDown}
              @pointermove=${onMove}
              @pointerup=${onUp}
              @pointercancel=${onUp}
              @wheel=${onWheel}
            >
              ${box(layout.root)} ${anyNodes} ${edges}
            </svg>`
      }
    </figure>
  `;
}

function lane(tags: LitTags, model: PanelModel, shown: TraceEvent[]): TemplateResult {
  const { svg, html } = tags;
  const { trace, cursor } = model;
  const span = Math.max(1, trace.end - trace.start);
  const x = (time: number): number => ((time - trace.start) / span) * LANE.width;
  const byPeer = new Map<string, TraceStat[]>();
  for (const stat of trace.stats) byPeer.set(stat.peer, [...(byPeer.get(stat.peer) ?? []), stat]);
  const peak = Math.max(1, ...trace.stats.map((s) => Math.max(s.bitrate ?? 0, s.availableBitrate ?? 0)));
  const y = (bits: number): number => LANE.top + LANE.chart - (bits / peak) * (LANE.chart - 4);
  const line = (stats: TraceStat[], pick: (s: TraceStat) => number | undefined): string =>
    stats
      .filter((s) => pick(s) !== undefined)
      .map((s) => `${x(s.time).toFixed(1)},${y(pick(s)!).toFixed(1)}`)
      .join(' ');
  const lossBars = trace.stats
    .filter((s) => (s.loss ?? 0) > 0.005)
    .map((s) => {
      const h = Math.min(1, (s.loss ?? 0) * 4) * LANE.chart;
      return svg`<rect class="loss" x=${x(s.time) - 1.5} y=${LANE.top + LANE.chart - h} width="3" height=${h}></rect>`;
    });
  const ticks = shown.map(
    (e) =>
      svg`<line class="tick ${hue(trace.actors.find((a) => a.id === e.target)?.path ?? '')} ${e.transitions?.length ? 'moved' : ''}" x1=${x(e.time)} x2=${x(e.time)} y1=${LANE.ticks} y2=${LANE.ticks + (e.transitions?.length ? 22 : 10)}></line>`,
  );
  const latest = [...byPeer.values()].map((stats) => stats.at(-1)!);
  const label = latest.length
    ? `Link: ${latest.map((s) => `${shortName(s.peer)} sends ${Math.round((s.bitrate ?? 0) / 1000)} kbps`).join('; ')}.`
    : 'No link readings: they start once video flows.';
  return html`
    <div class="lane" part="lane">
      <div class="lane-head">
        <span class="lane-title">Link</span>
        <span class="legend sent">sent</span>
        <span class="legend avail">available</span>
        <span class="legend loss">loss</span>
        <span class="legend events">events (tall: took a transition)</span>
        <span class="peak">peak ${(peak / 1e6).toFixed(2)} Mbps</span>
      </div>
      <svg viewBox="0 0 ${LANE.width} ${LANE.height}" preserveAspectRatio="none" role="img" aria-label=${label}>
        <line class="grid" x1="0" x2=${LANE.width} y1=${LANE.top + LANE.chart} y2=${LANE.top + LANE.chart}></line>
        ${lossBars}
        ${[...byPeer.values()].map(
          (stats) => svg`
            <polyline class="avail" points=${line(stats, (s) => s.availableBitrate)}></polyline>
            <polyline class="sent" points=${line(stats, (s) => s.bitrate)}></polyline>`,
        )}
        ${ticks}
        <line class="cursor" x1=${x(cursor)} x2=${x(cursor)} y1="0" y2=${LANE.height}></line>
      </svg>
      <div class="axis" aria-hidden="true">
        <span>0 s</span><span>${seconds(cursor - trace.start)}</span><span>${seconds(span)}</span>
      </div>
      <input
        class="slider"
        type="range"
        min=${trace.start}
        max=${trace.end}
        step="any"
        .value=${String(cursor)}
        aria-label="Time shown"
        aria-valuetext="${seconds(cursor - trace.start)} of ${seconds(span)}"
        @input=${(event: Event) => model.on.cursor(Number((event.target as HTMLInputElement).value))}
      />
    </div>
  `;
}

function timeline(tags: LitTags, model: PanelModel, shown: TraceEvent[]): TemplateResult {
  const { html, nothing } = tags;
  const { trace } = model;
  const go = navigation(model);
  const failures = trace.events
    .filter((e) => e.time <= model.cursor)
    .map((event) => ({ event, failure: describeFailure(event, trace) }))
    .filter((f): f is { event: TraceEvent; failure: NonNullable<typeof f.failure> } => !!f.failure);
  const paths = new Map(trace.actors.map((a) => [a.id, a.path]));
  const rows = shown.slice(-MAX_ROWS).reverse();
  const actors = [...trace.actors].sort((a, b) => a.path.localeCompare(b.path));
  return html`
    <section class="timeline" part="timeline" aria-label="Event timeline">
      <div class="filters">
        <label>
          <span>Actor</span>
          <select @change=${(e: Event) => model.on.actor((e.target as HTMLSelectElement).value)}>
            <option value="" ?selected=${!model.actorFilter}>All actors</option>
            ${actors.map(
              (a) => html`<option value=${a.id} ?selected=${model.actorFilter === a.id}>${shortPath(a.path)}</option>`,
            )}
          </select>
        </label>
        <label>
          <span>Event</span>
          <input
            type="search"
            placeholder="e.g. signal"
            .value=${model.textFilter}
            @input=${(e: Event) => model.on.text((e.target as HTMLInputElement).value)}
          />
        </label>
        ${
          model.nav.filter
            ? html`<span class="state-filter">
                Entered or left
                <code>${model.nav.filter.state}</code> (${shortName(paths.get(model.nav.filter.actor) ?? '')})
                <button type="button" aria-label="Show every event again" @click=${() => go.state('', '')}>×</button>
              </span>`
            : nothing
        }
        <span class="count">${shown.length} events${shown.length > MAX_ROWS ? `, newest ${MAX_ROWS} shown` : ''}</span>
      </div>
      ${
        failures.length
          ? html`<ul class="failures" aria-label="Failures in this trace">
              ${failures.map(
                ({ event, failure }) =>
                  html`<li>
                    <button type="button" title="Show this instant" @click=${() => go.select(event.seq)}>
                      <span class="when">${seconds(event.time - trace.start)}</span>
                      <span class="what">${failure.what}</span>
                      <span class="cause">${failure.cause}</span>
                    </button>
                  </li>`,
              )}
            </ul>`
          : nothing
      }
      <div class="rows" tabindex="0" role="region" aria-label="Events, newest first">
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">From → to</th>
              <th scope="col">Event</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map((e) => {
              const target = paths.get(e.target) ?? e.target;
              const source = e.source ? (paths.get(e.source) ?? e.source) : '';
              const moved = !!e.transitions?.length && JSON.stringify(e.before) !== JSON.stringify(e.after);
              const detail = describeEvent(e);
              const failure = describeFailure(e, trace);
              return html`<tr
                class="${moved ? 'moved' : ''} ${e.time === model.cursor ? 'current' : ''} ${failure ? 'failure' : ''} ${model.nav.picked === e.seq ? 'selected' : ''}"
                data-type=${e.type}
                data-seq=${e.seq}
              >
                <td class="time">
                  <button type="button" title="Show this instant" @click=${() => model.on.cursor(e.time)}>
                    ${seconds(e.time - trace.start)}
                  </button>
                </td>
                <td class="route">
                  ${source ? html`<span class="who ${hue(source)}">${shortName(source)}</span> → ` : nothing}
                  <span class="who ${hue(target)}">${shortName(target)}</span>
                </td>
                <td class="event">
                  ${
                    e.transitions?.length
                      ? html`<button
                          type="button"
                          class="type"
                          aria-pressed=${model.nav.picked === e.seq ? 'true' : 'false'}
                          title="Show the transition it took in the chart"
                          @click=${() => go.select(model.nav.picked === e.seq ? undefined : e.seq)}
                        >
                          ${e.type}
                        </button>`
                      : html`<span class="type">${e.type}</span>`
                  }
                  ${
                    failure
                      ? html`<span class="cause" role="note"><strong>${failure.what}</strong>: ${failure.cause}</span>`
                      : detail
                        ? html`<span class="detail" title=${detail}>${detail}</span>`
                        : nothing
                  }
                </td>
                <td class="value">
                  ${
                    e.after === undefined
                      ? nothing
                      : moved
                        ? html`<span class="before">${formatValue(e.before)}</span> →
                            <span class="after">${formatValue(e.after)}</span>`
                        : html`<span class="same">${formatValue(e.after)}</span>`
                  }
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
    </section>
  `;
}

/**
 * Renders the inspector's body.
 *
 * @example
 * render(renderPanel(model, { html, svg, nothing }), root);
 */
export function renderPanel(model: PanelModel, tags: LitTags): TemplateResult {
  const { html, nothing } = tags;
  const { trace, cursor } = model;
  const at = actorsAt(trace, cursor);
  const charts = at.filter((entry) => entry.actor.machine);
  const text = model.textFilter.trim().toLowerCase();
  const only = model.nav.filter
    ? new Set(entersOrLeaves(trace, model.nav.filter.actor, model.nav.filter.state))
    : undefined;
  const shown = trace.events.filter(
    (e) =>
      e.time <= cursor &&
      (!only || only.has(e)) &&
      (!model.actorFilter || e.target === model.actorFilter || e.source === model.actorFilter) &&
      (!text || e.type.toLowerCase().includes(text)),
  );
  const selected = model.nav.picked === undefined ? undefined : trace.events.find((e) => e.seq === model.nav.picked);
  const span = trace.end - trace.start;
  // One labelled region holds it all: its toolbar is no second banner of the page, and the lane and slider sit
  // inside a landmark.
  return html`
    <section class="panel" part="base" aria-label="rtc-inspector">
      <svg class="defs" aria-hidden="true" width="0" height="0">
        <defs>
          ${['rtc-arrow', 'rtc-arrow-live', 'rtc-arrow-hot'].map(
            (
              id,
            ) => tags.svg`<marker id=${id} class=${id} viewBox="0 0 8 8" refX="7" refY="4" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
              <path d="M0,0 L8,4 L0,8 z"></path>
            </marker>`,
          )}
        </defs>
      </svg>
      <header class="bar" part="toolbar">
        <h2 class="title">rtc-inspector</h2>
        <span class="mode ${model.live ? 'live' : 'replay'}">${model.live ? 'Live' : 'Replay'}</span>
        <span class="source" title=${model.source}>${model.source}</span>
        <span class="clock" aria-live="off">${seconds(cursor - trace.start)} / ${seconds(span)}</span>
        <span class="spacer"></span>
        ${
          model.live && !model.following
            ? html`<button type="button" class="follow" @click=${() => model.on.follow()}>Follow live</button>`
            : nothing
        }
        <button type="button" part="export" @click=${() => model.on.exportTrace()}>Export trace</button>
        <label class="open" part="open">
          Open trace…
          <input
            type="file"
            accept="application/json,.json"
            class="visually-hidden"
            @change=${(e: Event) => {
              const input = e.target as HTMLInputElement;
              const file = input.files?.[0];
              input.value = '';
              if (file) model.on.open(file);
            }}
          />
        </label>
      </header>
      <div part="problem" class="problem" role="alert" ?hidden=${!model.problem}>
        <span>${model.problem}</span>
        <button type="button" aria-label="Dismiss message" @click=${() => model.on.dismiss()}>×</button>
      </div>
      <div class="main">
        <section class="charts" part="charts" tabindex="0" aria-label="Statecharts of the running actors">
          ${charts.length ? charts.map((entry) => chart(tags, model, entry, selected)) : html`<p class="empty">No actor runs at this instant.</p>`}
        </section>
        ${timeline(tags, model, shown)}
      </div>
      ${lane(tags, model, shown)}
      ${
        trace.dropped
          ? html`<p class="note">
              ${trace.dropped} older events were dropped (the recorder keeps the last ${trace.limits.maxEvents} events
              or ${trace.limits.maxAge / 60_000} minutes).
            </p>`
          : nothing
      }
    </section>
  `;
}
