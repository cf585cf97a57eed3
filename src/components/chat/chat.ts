import { consume } from '@lit/context';
import { html, LitElement, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import { callStateOf, type Call } from '../../call.js';
import { MAX_CHAT_LENGTH, type ChatMessage } from '../../machines/call.machine.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import { findCall } from '../find-call.js';
import theme from '../theme.styles.js';
import styles from './chat.styles.js';

interface ChatView {
  messages: ChatMessage[];
  joined: boolean;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Text chat with everyone in the call, over a data channel on each peer connection. Shows the history with
 * names and times; Enter sends. Messages typed while a connection is still opening are queued, not lost.
 *
 * @tagname rtc-chat
 * @summary Chat for a call.
 *
 * @csspart base - The panel.
 * @csspart log - The list of messages.
 * @csspart message - One message.
 * @csspart author - The sender's name.
 * @csspart time - When it was sent.
 * @csspart text - The message text.
 * @csspart form - The input row.
 * @csspart input - The text input.
 * @csspart send - The send button.
 *
 * @cssprop --rtc-chat-height - Height of the panel (default 22rem).
 * @cssprop --rtc-accent - Background of your own messages.
 * @cssprop --rtc-on-accent - Text and icons on the accent colour: white in light mode, near-black in dark.
 *
 * @cssstate unread - Set while messages from others arrived since the chat last had focus.
 */
export class RtcChat extends LitElement {
  static override styles = [theme, styles];

  readonly #internals: ElementInternals = this.attachInternals();
  readonly #view = new CallController<ChatView>(
    this,
    (call) => {
      const state = callStateOf(call.actor.getSnapshot());
      return {
        messages: call.messages,
        joined: state === 'waiting' || state === 'in-call' || state === 'reconnecting',
      };
    },
    {
      equals: (a, b) => a.messages === b.messages && a.joined === b.joined,
      find: () => findCall(this, this.call, this.contextCall),
      // What was said before this chat showed the call counts as read.
      onCall: (call) => (this.#seen = call?.messages.length ?? 0),
    },
  );
  /** Messages counted as seen. */
  #seen = 0;

  @query('[part="log"]') accessor log!: HTMLDivElement | null;

  @consume({ context: callContext, subscribe: true })
  @state()
  accessor contextCall: Call | undefined;

  @state() accessor draft = '';

  /** Id of an `<rtc-call>` to chat in, when this element is not inside one. */
  @property() accessor call = '';

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.#markRead);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('focusin', this.#markRead);
  }

  /** Messages from others that arrived since the chat last had focus. */
  get unread(): number {
    const messages = this.#view.value?.messages ?? [];
    return messages.slice(this.#seen).filter((m) => m.peer !== 'local').length;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('contextCall') || changed.has('call')) this.#view.rebind();
    // Messages that arrive while the chat has focus are read as they come.
    if (this.matches(':focus-within')) this.#seen = this.#view.value?.messages.length ?? 0;
  }

  protected override updated(): void {
    if (this.unread > 0) this.#internals.states.add('unread');
    else this.#internals.states.delete('unread');
    const log = this.log;
    if (log) log.scrollTop = log.scrollHeight;
  }

  readonly #markRead = (): void => {
    this.#seen = this.#view.value?.messages.length ?? 0;
    this.requestUpdate();
  };

  #onInput(event: Event): void {
    this.draft = (event.target as HTMLInputElement).value;
  }

  #onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const text = this.draft.trim();
    if (!text || !this.#view.call) return;
    this.#view.call.send(text);
    this.draft = '';
  }

  protected override render() {
    const view = this.#view.value;
    const messages = view?.messages ?? [];
    return html`
      <section part="base" class="base" aria-label="Chat">
        <div part="log" class="log" role="log" aria-label="Messages" ?hidden=${messages.length === 0}>
          <ol class="list">
            ${repeat(
              messages,
              (m) => `${m.peer}:${m.time}:${m.text.length}`,
              (m) => html`
                <li part="message" class="message ${m.peer === 'local' ? 'mine' : ''}">
                  <span class="meta">
                    <span part="author" class="author">${m.peer === 'local' ? 'You' : m.name}</span>
                    <time part="time" datetime=${new Date(m.time).toISOString()}>${timeFormat.format(m.time)}</time>
                  </span>
                  <p part="text" class="text">${m.text}</p>
                </li>
              `,
            )}
          </ol>
        </div>
        <p class="empty" ?hidden=${messages.length > 0}>
          ${view?.joined ? 'No messages yet. Say hello!' : 'Join the call to chat.'}
        </p>
        <form part="form" class="form" @submit=${this.#onSubmit}>
          <label class="visually-hidden" for="input">Message</label>
          <input
            id="input"
            part="input"
            type="text"
            autocomplete="off"
            maxlength=${MAX_CHAT_LENGTH}
            placeholder="Message everyone…"
            .value=${live(this.draft)}
            ?disabled=${!view?.joined}
            @input=${this.#onInput}
          />
          <button part="send" type="submit" ?disabled=${!view?.joined || !this.draft.trim()}>Send</button>
        </form>
      </section>
    `;
  }
}
