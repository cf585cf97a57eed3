import { css } from 'lit';

/**
 * Design tokens shared by every element: light by default, dark under `prefers-color-scheme: dark`. Each can
 * be overridden with the public `--rtc-*` custom property of the same name.
 */
export default css`
  :host {
    --_bg: var(--rtc-bg, #f5f6f8);
    --_surface: var(--rtc-surface, #ffffff);
    --_tile: var(--rtc-tile-bg, #1d2027);
    --_fg: var(--rtc-fg, #16181d);
    --_muted: var(--rtc-muted-fg, #5c6370);
    --_accent: var(--rtc-accent, #2f63e8);
    --_on-accent: var(--rtc-on-accent, #ffffff);
    --_danger: var(--rtc-danger, #d93a3a);
    --_ok: var(--rtc-ok, #2fa86b);
    --_warn: var(--rtc-warn, #e0a43a);
    --_on-warn: var(--rtc-on-warn, #16181d);
    --_radius: var(--rtc-radius, 0.75rem);
    --_gap: var(--rtc-gap, 0.75rem);
    --_font: var(--rtc-font, system-ui, -apple-system, 'Segoe UI', sans-serif);
    --_border: color-mix(in srgb, var(--_fg) 14%, transparent);
    font-family: var(--_font);
    color: var(--_fg);
  }
  @media (prefers-color-scheme: dark) {
    :host {
      --_bg: var(--rtc-bg, #111318);
      --_surface: var(--rtc-surface, #1b1e25);
      --_tile: var(--rtc-tile-bg, #000000);
      --_fg: var(--rtc-fg, #e8eaf0);
      --_muted: var(--rtc-muted-fg, #9aa1ad);
      --_accent: var(--rtc-accent, #7b9cff);
      --_on-accent: var(--rtc-on-accent, #0b1020);
    }
  }
  [hidden] {
    display: none !important;
  }
  /* Read by screen readers, not shown: labels of controls that have a visible icon or placeholder. */
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
