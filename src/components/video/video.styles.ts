import { css } from 'lit';

export default css`
  :host {
    display: block;
    position: relative;
    aspect-ratio: 16 / 9;
    min-width: 0;
  }
  .base {
    position: relative;
    margin: 0;
    width: 100%;
    height: 100%;
    border-radius: var(--_radius);
    overflow: hidden;
    background: var(--_tile);
    box-shadow: 0 0 0 0 transparent;
    transition: box-shadow 150ms ease;
  }
  :host(:state(speaking)) .base {
    box-shadow: 0 0 0 3px var(--rtc-speaking, var(--_ok));
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    background: var(--_tile);
  }
  video.mirrored {
    transform: scaleX(-1);
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    gap: 0.6rem;
    padding: 1rem;
    text-align: center;
    color: #e8eaf0;
    background: radial-gradient(circle at 50% 40%, #2a2f3a, var(--_tile) 70%);
  }
  .avatar {
    display: grid;
    place-items: center;
    width: clamp(3rem, 22%, 6rem);
    aspect-ratio: 1;
    border-radius: 50%;
    background: color-mix(in srgb, var(--_accent) 70%, #1d2027);
    color: #fff;
    font-size: clamp(1.1rem, 4cqi, 2rem);
    font-weight: 600;
  }
  .note {
    font-size: 0.9rem;
    color: #c5cad4;
  }
  .detail {
    max-width: 28rem;
    font-size: 0.8rem;
    color: #aab0bb;
  }
  .caption {
    position: absolute;
    left: 0.6rem;
    right: 0.6rem;
    bottom: 0.6rem;
    display: flex;
    align-items: center;
    gap: 0.4rem;
    pointer-events: none;
  }
  .name {
    max-width: 70%;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    padding: 0.2rem 0.55rem;
    border-radius: 0.4rem;
    background: rgb(0 0 0 / 55%);
    color: #fff;
    font-size: 0.85rem;
  }
  .badges {
    display: flex;
    gap: 0.3rem;
  }
  .badge {
    display: inline-flex;
    align-items: center;
    height: 1.6rem;
    padding: 0 0.4rem;
    border-radius: 0.4rem;
    background: rgb(0 0 0 / 55%);
    color: #fff;
    font-size: 0.75rem;
  }
  .badge.mic {
    background: var(--_danger);
  }
  .badge svg {
    width: 1rem;
    height: 1rem;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
  }
  /* Dark text on the warning colour: white on it is 3:1 at best, under WCAG AA for this small text. */
  .badge.link.reconnecting,
  .badge.link.connecting {
    background: var(--_warn);
    color: var(--_on-warn);
  }
  .badge.quality rect {
    fill: currentColor;
    stroke: none;
    opacity: 0.35;
  }
  .badge.quality rect.on {
    opacity: 1;
  }
  .badge.quality.low,
  .badge.quality.audio-only {
    background: var(--_warn);
    color: var(--_on-warn);
  }
  .badge.link.failed {
    background: var(--_danger);
  }
  .unmute {
    position: absolute;
    top: 0.6rem;
    right: 0.6rem;
    font: inherit;
    font-size: 0.85rem;
    padding: 0.4rem 0.75rem;
    border: 0;
    border-radius: 0.5rem;
    background: var(--_accent);
    color: var(--_on-accent);
    cursor: pointer;
  }
  .unmute:focus-visible {
    outline: 2px solid #fff;
    outline-offset: 2px;
  }
`;
