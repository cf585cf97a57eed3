import { css } from 'lit';

export default css`
  :host {
    display: block;
  }
  .base {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    justify-content: center;
    gap: 0.6rem;
    padding: 0.6rem 0.9rem;
    border-radius: calc(var(--_radius) * 1.5);
    background: var(--_surface);
    border: 1px solid var(--_border);
  }
  .button {
    display: grid;
    place-items: center;
    width: 3rem;
    height: 3rem;
    border: 0;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_fg) 9%, var(--_surface));
    color: var(--_fg);
    cursor: pointer;
    transition: background 120ms ease;
  }
  .button:hover:not(:disabled) {
    background: color-mix(in srgb, var(--_fg) 16%, var(--_surface));
  }
  .button:focus-visible,
  select:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .button:disabled {
    opacity: 0.45;
    cursor: default;
  }
  .button svg {
    width: 1.4rem;
    height: 1.4rem;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  .button.off {
    background: var(--_danger);
    color: #fff;
  }
  .button.screen[aria-pressed='true'] {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .button.hangup {
    width: 3.6rem;
    border-radius: 1.5rem;
    background: var(--_danger);
    color: #fff;
  }
  .button.hangup.rejoin {
    background: var(--_ok);
  }
  .button.hangup.rejoin svg {
    transform: rotate(135deg);
  }
  .devices {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-inline-start: 0.5rem;
  }
  select {
    font: inherit;
    font-size: 0.85rem;
    max-width: 12rem;
    padding: 0.45rem 0.6rem;
    border-radius: 0.5rem;
    border: 1px solid var(--_border);
    background: var(--_surface);
    color: var(--_fg);
  }
`;
