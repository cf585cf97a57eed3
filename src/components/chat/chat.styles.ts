import { css } from 'lit';

export default css`
  :host {
    display: block;
  }
  .base {
    display: flex;
    flex-direction: column;
    height: var(--rtc-chat-height, 22rem);
    border-radius: var(--_radius);
    background: var(--_surface);
    border: 1px solid var(--_border);
    overflow: hidden;
  }
  .log {
    flex: 1;
    overflow-y: auto;
  }
  .list {
    margin: 0;
    padding: 0.75rem;
    list-style: none;
    display: flex;
    flex-direction: column;
    gap: 0.5rem;
  }
  .message {
    max-width: 85%;
    align-self: flex-start;
  }
  .message.mine {
    align-self: flex-end;
    text-align: end;
  }
  .meta {
    display: flex;
    gap: 0.4rem;
    align-items: baseline;
    font-size: 0.75rem;
    color: var(--_muted);
  }
  .message.mine .meta {
    justify-content: flex-end;
  }
  .author {
    font-weight: 600;
    color: var(--_fg);
  }
  .text {
    margin: 0.15rem 0 0;
    padding: 0.45rem 0.7rem;
    border-radius: 0.8rem;
    background: color-mix(in srgb, var(--_fg) 8%, var(--_surface));
    white-space: pre-wrap;
    overflow-wrap: anywhere;
    text-align: start;
  }
  .message.mine .text {
    background: var(--_accent);
    color: var(--_on-accent);
  }
  .empty {
    flex: 1;
    display: grid;
    place-items: center;
    margin: 0;
    color: var(--_muted);
    font-size: 0.9rem;
  }
  .form {
    display: flex;
    gap: 0.5rem;
    padding: 0.6rem;
    border-top: 1px solid var(--_border);
  }
  input {
    flex: 1;
    min-width: 0;
    font: inherit;
    padding: 0.5rem 0.7rem;
    border-radius: 0.6rem;
    border: 1px solid var(--_border);
    background: var(--_bg);
    color: var(--_fg);
  }
  button {
    font: inherit;
    padding: 0.5rem 0.9rem;
    border: 0;
    border-radius: 0.6rem;
    background: var(--_accent);
    color: var(--_on-accent);
    cursor: pointer;
  }
  button:disabled {
    opacity: 0.5;
    cursor: default;
  }
  input:focus-visible,
  button:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: 2px;
  }
  .base.dragging,
  :host(:state(dragging)) .base {
    outline: 2px dashed var(--_accent);
    outline-offset: -4px;
  }
  .file-row {
    display: flex;
    align-items: baseline;
    gap: 0.5rem;
    justify-content: space-between;
  }
  .file .file-row:first-of-type {
    margin-top: 0.15rem;
    padding: 0.45rem 0.7rem;
    border-radius: 0.8rem;
    background: color-mix(in srgb, var(--_fg) 8%, var(--_surface));
  }
  .file .name {
    overflow-wrap: anywhere;
    font-weight: 600;
    color: var(--_fg);
  }
  .file a.name {
    color: var(--_accent);
  }
  .file .size,
  .file .status {
    font-size: 0.75rem;
    color: var(--_muted);
  }
  .file.failed .status {
    color: var(--_danger);
  }
  progress {
    width: 100%;
    height: 0.4rem;
    margin-top: 0.3rem;
    accent-color: var(--_accent);
  }
  button.attach,
  button.cancel {
    background: transparent;
    color: var(--_fg);
    border: 1px solid var(--_border);
  }
  button.attach {
    display: grid;
    place-items: center;
    padding: 0.45rem;
  }
  button.attach svg {
    width: 1.2rem;
    height: 1.2rem;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
  }
  button.cancel {
    padding: 0.15rem 0.5rem;
    font-size: 0.75rem;
  }
`;
