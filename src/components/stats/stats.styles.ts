import { css } from 'lit';

export default css`
  :host {
    display: block;
    --_in: var(--rtc-stats-in, var(--_accent));
    --_out: var(--rtc-stats-out, #8a4fe0);
    --_loss: var(--rtc-stats-loss, var(--_danger));
    --_card-min: var(--rtc-stats-card-min, 22rem);
    --_line: color-mix(in srgb, var(--_fg) 8%, transparent);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_out: var(--rtc-stats-out, #b794ff);
      --_loss: var(--rtc-stats-loss, #ff6b6b);
    }
  }
  .cards {
    display: grid;
    gap: var(--_gap);
    grid-template-columns: repeat(auto-fill, minmax(min(var(--_card-min), 100%), 1fr));
  }
  .peer {
    display: flex;
    flex-direction: column;
    gap: 0.9rem;
    min-width: 0;
    container-type: inline-size;
    padding: 1rem 1.1rem 0.9rem;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    box-shadow:
      0 1px 2px rgb(0 0 0 / 4%),
      0 4px 14px -6px rgb(0 0 0 / 10%);
  }

  /* Header: avatar, name, connection badge. */
  .head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 0.6rem;
    min-width: 0;
  }
  .avatar {
    flex: none;
    display: grid;
    place-items: center;
    width: 2rem;
    height: 2rem;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_accent) 16%, var(--_surface));
    color: color-mix(in srgb, var(--_accent) 70%, var(--_fg));
    font-size: 0.8rem;
    font-weight: 650;
  }
  .name {
    flex: 1 1 0;
    min-width: 6rem;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    font-weight: 600;
    font-size: 0.98rem;
  }
  .badge {
    --_tone: var(--_muted);
    flex: none;
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    height: 1.6rem;
    padding: 0 0.6rem;
    border-radius: 999px;
    background: color-mix(in srgb, var(--_tone) 13%, var(--_surface));
    color: color-mix(in srgb, var(--_tone) 52%, var(--_fg));
    font-size: 0.75rem;
    font-weight: 600;
    white-space: nowrap;
  }
  .badge.host {
    --_tone: var(--_ok);
  }
  .badge.srflx,
  .badge.prflx {
    --_tone: var(--_accent);
  }
  .badge.relay {
    --_tone: var(--_warn);
  }
  .badge .dot {
    width: 0.45rem;
    height: 0.45rem;
    border-radius: 50%;
    background: var(--_tone);
  }
  .badge.pending .dot {
    animation: pulse 1.2s ease-in-out infinite;
  }
  .badge .types {
    font-weight: 500;
    font-family: ui-monospace, 'SF Mono', Menlo, Consolas, monospace;
    font-size: 0.7rem;
  }
  @keyframes pulse {
    50% {
      opacity: 0.3;
    }
  }

  /* Figures: a 4-column grid of label over value. */
  .figures {
    display: grid;
    grid-template-columns: repeat(4, minmax(0, 1fr));
    gap: 0.8rem 0.75rem;
    margin: 0;
    padding: 0.85rem 0 0.1rem;
    border-top: 1px solid var(--_line);
  }
  @container (max-width: 19rem) {
    .figures {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
  }
  .figure {
    min-width: 0;
  }
  dt {
    display: flex;
    align-items: center;
    gap: 0.35rem;
    margin-bottom: 0.2rem;
    color: var(--_muted);
    font-size: 0.68rem;
    font-weight: 600;
    letter-spacing: 0.05em;
    text-transform: uppercase;
    white-space: nowrap;
  }
  .figure.in dt::before,
  .figure.out dt::before,
  .figure.loss dt::before {
    content: '';
    width: 0.5rem;
    height: 0.5rem;
    border-radius: 2px;
    background: var(--_in);
  }
  .figure.out dt::before {
    background: var(--_out);
  }
  .figure.loss dt::before {
    background: var(--_loss);
  }
  dd {
    display: flex;
    align-items: baseline;
    gap: 0.2rem;
    margin: 0;
    min-width: 0;
    white-space: nowrap;
  }
  .value {
    overflow: hidden;
    text-overflow: ellipsis;
    font-size: 1.05rem;
    font-weight: 600;
    font-variant-numeric: tabular-nums;
    letter-spacing: -0.01em;
  }
  .unit {
    color: var(--_muted);
    font-size: 0.72rem;
  }

  /* Sparklines. */
  .chart {
    display: flex;
    flex-direction: column;
    gap: 0.3rem;
  }
  .chart-head {
    display: flex;
    align-items: center;
    gap: 0.65rem;
    color: var(--_muted);
    font-size: 0.72rem;
  }
  .chart-title {
    color: var(--_fg);
    font-weight: 600;
  }
  .legend {
    display: inline-flex;
    align-items: center;
    gap: 0.3rem;
  }
  .legend::before {
    content: '';
    width: 0.75rem;
    height: 2px;
    border-radius: 1px;
    background: var(--_in);
  }
  .legend.out::before {
    background: var(--_out);
  }
  .scale {
    margin-inline-start: auto;
    font-variant-numeric: tabular-nums;
  }
  .sparkline {
    display: block;
    width: 100%;
    height: 3rem;
    overflow: visible;
    border-radius: calc(var(--_radius) * 0.5);
    background: color-mix(in srgb, var(--_fg) 3%, var(--_surface));
    box-shadow: inset 0 -1px 0 var(--_line);
  }
  .sparkline .grid {
    stroke: var(--_line);
    stroke-dasharray: 3 4;
    vector-effect: non-scaling-stroke;
  }
  .sparkline .line {
    fill: none;
    stroke: var(--_in);
    stroke-width: 1.75;
    stroke-linejoin: round;
    stroke-linecap: round;
    vector-effect: non-scaling-stroke;
  }
  .sparkline .area {
    fill: var(--_in);
    opacity: 0.14;
    stroke: none;
  }
  .sparkline .out {
    stroke: var(--_out);
  }
  .sparkline .area.out {
    fill: var(--_out);
    opacity: 0.06;
  }
  .sparkline .loss {
    stroke: var(--_loss);
  }
  .sparkline .area.loss {
    fill: var(--_loss);
  }
  .axis {
    display: flex;
    justify-content: space-between;
    color: var(--_muted);
    font-size: 0.68rem;
  }

  /* Nobody to show. */
  .empty {
    display: flex;
    align-items: center;
    justify-content: center;
    gap: 0.6rem;
    margin: 0;
    padding: 1.5rem 1rem;
    border: 1px dashed var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
    color: var(--_muted);
    font-size: 0.92rem;
  }
  .empty svg {
    width: 1.25rem;
    height: 1.25rem;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  @media (prefers-reduced-motion: reduce) {
    .badge.pending .dot {
      animation: none;
    }
  }
  .sparkline .mark {
    stroke: var(--_fg);
    stroke-width: 1;
    stroke-dasharray: 3 2;
    opacity: 0.55;
    vector-effect: non-scaling-stroke;
  }
  .sparkline .mark.low,
  .sparkline .mark.audio-only {
    stroke: var(--_warn);
    opacity: 0.9;
  }
  .legend.level::before {
    width: 0;
    height: 0.75rem;
    border-left: 1px dashed currentColor;
    background: none;
  }
`;
