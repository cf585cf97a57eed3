/**
 * Styles of the inspector's body, as text: they load with it (the lazily loaded chunk), and the element adopts
 * them as a constructed stylesheet. They use the theme's tokens (`--_fg`, `--_accent`…) the element defines.
 */
export default /* css */ `
  .panel {
    --_mono: var(--rtc-inspector-mono, ui-monospace, 'SFMono-Regular', 'Cascadia Mono', Menlo, Consolas, monospace);
    --_line: color-mix(in srgb, var(--_fg) 10%, transparent);
    --_call: var(--rtc-inspector-call, #2f63e8);
    --_signaling: var(--rtc-inspector-signaling, #8a4fe0);
    --_media: var(--rtc-inspector-media, #c2410c);
    --_peer: var(--rtc-inspector-peer, #0f8a5f);
    --_ice: var(--rtc-inspector-ice, #0e7490);
    --_quality: var(--rtc-inspector-quality, #b45309);
    --_other: var(--_muted);
    --_hot: var(--rtc-inspector-flash, #f59e0b);
    display: flex;
    flex-direction: column;
    height: 100%;
    box-sizing: border-box;
    min-height: 0;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    overflow: hidden;
    font-size: 12px;
  }
  .defs { position: absolute; }
  .bar {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    padding: 0.45rem 0.75rem;
    background: var(--_surface);
    border-bottom: 1px solid var(--_border);
  }
  .title { margin: 0; font-size: 13px; font-weight: 650; letter-spacing: 0.01em; }
  .mode {
    padding: 0.1rem 0.5rem;
    border-radius: 999px;
    font-size: 11px;
    font-weight: 600;
    text-transform: uppercase;
    letter-spacing: 0.05em;
  }
  .mode.live { background: color-mix(in srgb, var(--_danger) 12%, transparent); color: color-mix(in srgb, var(--_danger) 70%, var(--_fg)); }
  .mode.live::before { content: '● '; }
  .mode.replay { background: color-mix(in srgb, var(--_accent) 12%, transparent); color: color-mix(in srgb, var(--_accent) 70%, var(--_fg)); }
  .source { color: var(--_muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 28ch; }
  .clock { font-family: var(--_mono); color: var(--_fg); }
  .spacer { flex: 1; }
  button, .open {
    font: inherit;
    font-size: 12px;
    padding: 0.3rem 0.7rem;
    border-radius: 0.4rem;
    border: 1px solid var(--_border);
    background: var(--_bg);
    color: var(--_fg);
    cursor: pointer;
  }
  button:hover, .open:hover { border-color: var(--_accent); }
  button:focus-visible, .open:focus-within, select:focus-visible, input:focus-visible, .rows:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 1px;
  }
  .follow { background: var(--_accent); color: var(--_on-accent); border-color: var(--_accent); }
  .problem {
    display: flex;
    align-items: center;
    justify-content: space-between;
    gap: 0.5rem;
    padding: 0.4rem 0.75rem;
    background: color-mix(in srgb, var(--_danger) 12%, var(--_surface));
    color: var(--_fg);
  }
  .problem button { border: 0; background: none; font-size: 16px; padding: 0 0.4rem; }

  .main {
    flex: 1;
    display: grid;
    grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr);
    min-height: 0;
  }
  .charts {
    display: flex;
    flex-wrap: wrap;
    align-content: flex-start;
    gap: 0.6rem;
    padding: 0.6rem;
    overflow: auto;
    border-right: 1px solid var(--_border);
  }
  .chart {
    margin: 0;
    flex: 1 1 auto;
    max-width: 100%;
    background: var(--_surface);
    border: 1px solid var(--_border);
    border-radius: 0.5rem;
    padding: 0.4rem 0.5rem 0.3rem;
    box-sizing: border-box;
  }
  .chart svg { display: block; max-width: 100%; height: auto; overflow: visible; }
  figcaption { display: flex; align-items: baseline; gap: 0.45rem; margin-bottom: 0.15rem; min-width: 0; }
  figcaption .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--_c); align-self: center; flex: none; }
  figcaption .name { font-weight: 650; font-family: var(--_mono); }
  figcaption .machine { color: var(--_muted); font-size: 11px; }
  figcaption .value {
    margin-left: auto;
    font-family: var(--_mono);
    font-size: 11px;
    color: var(--_ct);
    background: color-mix(in srgb, var(--_c) 10%, transparent);
    padding: 0.05rem 0.4rem;
    border-radius: 0.3rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    max-width: 60%;
  }
  /* --_c draws, --_ct writes: mixed towards the text colour, so it reads on light and dark backgrounds alike. */
  .chart, .who, .tick { --_ct: color-mix(in srgb, var(--_c) 72%, var(--_fg)); }
  .call { --_c: var(--_call); }
  .signaling { --_c: var(--_signaling); }
  .media { --_c: var(--_media); }
  .peer { --_c: var(--_peer); }
  .ice { --_c: var(--_ice); }
  .quality { --_c: var(--_quality); }
  .other { --_c: var(--_other); }

  /* Statecharts. */
  .state rect { fill: var(--_surface); stroke: color-mix(in srgb, var(--_fg) 28%, transparent); stroke-width: 1; }
  .state.group > rect { fill: color-mix(in srgb, var(--_fg) 3%, var(--_surface)); }
  .state.parallel > rect { stroke-dasharray: 4 3; }
  .state.group.active > rect { stroke: var(--_c); stroke-width: 1.5; fill: color-mix(in srgb, var(--_c) 5%, var(--_surface)); }
  .state.leaf.active > rect { fill: var(--_c); stroke: var(--_c); }
  .state .label { font: 11px var(--_font); fill: var(--_fg); }
  .state.group > .label { font-weight: 600; fill: var(--_muted); }
  .state.group.active > .label { fill: var(--_c); }
  .state.leaf.active > .label { fill: #fff; font-weight: 650; }
  .label.center { text-anchor: middle; }
  .initial { fill: var(--_fg); }
  .edge path { fill: none; stroke: color-mix(in srgb, var(--_fg) 30%, transparent); stroke-width: 1; }
  .edge.live path { stroke: color-mix(in srgb, var(--_fg) 60%, transparent); }
  .edge-label {
    font: 9.5px var(--_mono);
    fill: var(--_muted);
    text-anchor: middle;
    paint-order: stroke;
    stroke: var(--_surface);
    stroke-width: 3px;
    stroke-linejoin: round;
  }
  .edge.live .edge-label { fill: var(--_fg); }
  .edge.taken path, .edge.picked path { stroke: var(--_hot); stroke-width: 2.5; }
  .edge.picked .edge-label { fill: var(--_hot); font-weight: 700; }
  .state.picked > rect, .state.filtered > rect { stroke: var(--_hot); stroke-width: 2.5; }
  .state.filtered > rect { stroke-dasharray: 5 3; }
  .state rect { cursor: pointer; }
  .state rect:focus-visible { outline: none; stroke: var(--_accent, var(--_hot)); stroke-width: 3; }
  .state text, .edge text { pointer-events: none; }
  .any-node circle { fill: var(--_surface); stroke: color-mix(in srgb, var(--_fg) 45%, transparent); stroke-width: 1.5; }
  .any-node.live circle { fill: var(--_c); stroke: var(--_c); }
  .edge.any path { stroke-dasharray: 3 2; }
  .chart svg { touch-action: none; cursor: grab; }
  .chart svg:active { cursor: grabbing; }
  .chart.collapsed { flex: 0 1 auto; }
  figcaption button {
    font: 11px var(--_mono);
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_fg);
    border-radius: 0.3rem;
    padding: 0 0.35rem;
    min-width: 1.5rem;
    cursor: pointer;
  }
  figcaption .collapse { border: 0; padding: 0; min-width: 1rem; }
  figcaption .zoom { display: inline-flex; gap: 0.15rem; flex: none; }
  .state-filter { display: inline-flex; gap: 0.3rem; align-items: center; color: var(--_hot); }
  .state-filter button { border: 0; background: none; color: inherit; font-size: 14px; cursor: pointer; }
  .failures {
    list-style: none;
    margin: 0;
    padding: 0.3rem 0.6rem;
    display: grid;
    gap: 0.2rem;
    flex: none;
    max-height: 9rem;
    overflow: auto;
    border-bottom: 1px solid var(--_border);
  }
  .failures button {
    display: flex;
    gap: 0.5rem;
    width: 100%;
    text-align: left;
    font: 11px var(--_mono);
    color: var(--_fg);
    background: color-mix(in srgb, #d33 12%, var(--_surface));
    border: 1px solid color-mix(in srgb, #d33 45%, transparent);
    border-radius: 0.3rem;
    padding: 0.2rem 0.4rem;
    cursor: pointer;
  }
  .failures button { flex-wrap: wrap; }
  .failures .what { font-weight: 700; }
  .failures .cause { flex: 1 1 14rem; min-width: 0; }
  tr.failure td { background: color-mix(in srgb, #d33 9%, transparent); }
  td.event .cause { display: block; white-space: normal; color: var(--_fg); }
  td.event .cause strong { color: color-mix(in srgb, #d33 75%, var(--_fg)); }
  td.event button.type {
    font: inherit;
    font-weight: 650;
    color: inherit;
    background: none;
    border: 0;
    padding: 0;
    text-decoration: underline dotted;
    cursor: pointer;
  }
  tr.selected td { background: color-mix(in srgb, var(--_hot) 14%, transparent); }
  .edge.taken .edge-label { fill: var(--_hot); font-weight: 700; }
  marker path { fill: color-mix(in srgb, var(--_fg) 35%, transparent); }
  .rtc-arrow-live path { fill: color-mix(in srgb, var(--_fg) 60%, transparent); }
  .rtc-arrow-hot path { fill: var(--_hot); }
  .flash-0 { animation: flash-0 1.4s ease-out; }
  .flash-1 { animation: flash-1 1.4s ease-out; }
  .state.entered > rect { stroke: var(--_hot); stroke-width: 2.5; }
  @keyframes flash-0 { from { opacity: 0.35; } to { opacity: 1; } }
  @keyframes flash-1 { from { opacity: 0.35; } to { opacity: 1; } }
  @media (prefers-reduced-motion: reduce) { .flash-0, .flash-1 { animation: none; } }

  /* Timeline. */
  .timeline { display: flex; flex-direction: column; min-height: 0; background: var(--_surface); }
  .filters {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    padding: 0.4rem 0.6rem;
    border-bottom: 1px solid var(--_border);
    flex-wrap: wrap;
  }
  .filters label { display: flex; align-items: center; gap: 0.3rem; color: var(--_muted); }
  select, input[type='search'] {
    font: inherit;
    font-size: 12px;
    padding: 0.2rem 0.35rem;
    border: 1px solid var(--_border);
    border-radius: 0.35rem;
    background: var(--_bg);
    color: var(--_fg);
    max-width: 14rem;
  }
  .count { margin-left: auto; color: var(--_muted); }
  .rows { overflow: auto; min-height: 0; flex: 1 1 0; }
  table { width: 100%; border-collapse: collapse; font-family: var(--_mono); font-size: 11px; table-layout: fixed; }
  th:nth-child(1) { width: 4.6rem; }
  th:nth-child(2) { width: 28%; }
  th:nth-child(4) { width: 24%; }
  td { overflow: hidden; text-overflow: ellipsis; }
  thead th {
    position: sticky;
    top: 0;
    background: var(--_surface);
    text-align: left;
    font: 600 10.5px var(--_font);
    color: var(--_muted);
    text-transform: uppercase;
    letter-spacing: 0.04em;
    padding: 0.3rem 0.5rem;
    border-bottom: 1px solid var(--_border);
  }
  td { padding: 0.18rem 0.5rem; border-bottom: 1px solid var(--_line); vertical-align: top; }
  tr.moved { background: color-mix(in srgb, var(--_accent) 5%, transparent); }
  tr.current { outline: 1px solid var(--_hot); outline-offset: -1px; }
  td.time button {
    font: inherit;
    padding: 0;
    border: 0;
    background: none;
    color: var(--_muted);
    white-space: nowrap;
  }
  td.time button:hover { color: var(--_accent); text-decoration: underline; }
  td.route { white-space: nowrap; color: var(--_muted); }
  .who { color: var(--_ct); font-weight: 600; }
  td.event .type { font-weight: 650; }
  td.event .detail {
    display: block;
    color: var(--_muted);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  td.value { white-space: nowrap; }
  td.value .before { color: var(--_muted); }
  td.value .after { color: var(--_fg); font-weight: 650; }
  td.value .same { color: var(--_muted); }

  /* Stats lane and slider. */
  .lane { padding: 0.4rem 0.75rem 0.5rem; background: var(--_surface); border-top: 1px solid var(--_border); }
  .lane-head { display: flex; gap: 0.8rem; align-items: baseline; color: var(--_muted); font-size: 11px; }
  .lane-title { font-weight: 650; color: var(--_fg); }
  .legend::before {
    content: '';
    display: inline-block;
    width: 12px;
    height: 3px;
    margin-right: 0.3rem;
    vertical-align: middle;
    background: var(--_swatch);
  }
  .legend.sent { --_swatch: var(--_peer); }
  .legend.avail { --_swatch: var(--_muted); }
  .legend.loss { --_swatch: var(--_danger); }
  .legend.events { --_swatch: var(--_fg); }
  .legend.events::before { width: 2px; height: 10px; }
  .peak { margin-left: auto; font-family: var(--_mono); }
  .lane svg { display: block; width: 100%; height: 88px; }
  .lane .grid { stroke: var(--_line); }
  .lane polyline.sent { fill: none; stroke: var(--_peer); stroke-width: 1.5; vector-effect: non-scaling-stroke; }
  .lane polyline.avail { fill: none; stroke: var(--_muted); stroke-width: 1; stroke-dasharray: 3 3; vector-effect: non-scaling-stroke; }
  .lane rect.loss { fill: var(--_danger); opacity: 0.8; }
  .lane .tick { stroke: var(--_c); stroke-width: 1; opacity: 0.55; vector-effect: non-scaling-stroke; }
  .lane .tick.moved { opacity: 1; stroke-width: 1.5; }
  .lane .cursor { stroke: var(--_hot); stroke-width: 2; vector-effect: non-scaling-stroke; }
  .axis { display: flex; justify-content: space-between; font-family: var(--_mono); font-size: 10.5px; color: var(--_muted); }
  .slider { width: 100%; margin: 0.3rem 0 0; accent-color: var(--_accent); }
  .note { margin: 0; padding: 0.3rem 0.75rem; color: var(--_muted); background: var(--_surface); }
  .empty { color: var(--_muted); }
`;
