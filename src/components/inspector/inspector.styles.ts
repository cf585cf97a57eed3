import { css } from 'lit';

/** The element's own styles; the body's come with its lazily loaded chunk (panel.styles.ts). */
export default css`
  :host {
    display: block;
    height: var(--rtc-inspector-height, 40rem);
    min-height: 20rem;
    font-size: 12px;
  }
  .loading {
    display: grid;
    place-items: center;
    height: 100%;
    margin: 0;
    color: var(--_muted);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_surface);
  }
`;
