import { css } from 'lit';

export default css`
  :host {
    display: block;
    --_tile-min: var(--rtc-tile-min, 16rem);
    background: var(--_bg);
    border-radius: var(--_radius);
    container-type: inline-size;
  }
  .base {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
    padding: var(--_gap);
    height: 100%;
    box-sizing: border-box;
  }
  .grid {
    display: grid;
    gap: var(--_gap);
    grid-template-columns: repeat(auto-fit, minmax(min(var(--_tile-min), 100%), 1fr));
    align-content: center;
    flex: 1;
  }
  /* Alone, your own tile should not fill a wide screen. */
  .grid[data-count='1'] {
    grid-template-columns: minmax(0, 40rem);
    justify-content: center;
  }
  .status {
    margin: 0;
    text-align: center;
    color: var(--_muted);
    font-size: 0.95rem;
  }
  .status .retry {
    margin-inline-start: 0.6rem;
    font: inherit;
    padding: 0.25rem 0.8rem;
    border: 1px solid var(--_accent);
    border-radius: calc(var(--_radius) * 0.75);
    background: transparent;
    color: var(--_fg);
    cursor: pointer;
  }
  .status .retry:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .status .retry[hidden] {
    display: none;
  }
  .error {
    display: flex;
    align-items: center;
    gap: 0.75rem;
    padding: 0.6rem 0.9rem;
    border-radius: calc(var(--_radius) * 0.75);
    background: color-mix(in srgb, var(--_danger) 14%, var(--_surface));
    color: var(--_fg);
    border: 1px solid color-mix(in srgb, var(--_danger) 45%, transparent);
  }
  .error span {
    flex: 1;
  }
  .error button {
    font: inherit;
    font-size: 1.2rem;
    line-height: 1;
    padding: 0.2rem 0.45rem;
    border: 0;
    border-radius: 0.4rem;
    background: transparent;
    color: inherit;
    cursor: pointer;
  }
  .error button:focus-visible {
    outline: 2px solid var(--_accent);
  }
`;
