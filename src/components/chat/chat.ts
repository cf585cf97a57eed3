import { consume } from '@lit/context';
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { live } from 'lit/directives/live.js';
import { repeat } from 'lit/directives/repeat.js';
import { callStateOf, type Call } from '../../call.js';
import { MAX_CHAT_LENGTH, type ChatMessage, type Transfer } from '../../machines/call.machine.js';
import { CallController } from '../call-controller.js';
import { callContext } from '../context.js';
import { findCall } from '../find-call.js';
import theme from '../theme.styles.js';
import styles from './chat.styles.js';
import { internalsOf, setState } from '../states.js';

interface ChatView {
  messages: ChatMessage[];
  transfers: Record<string, Transfer>;
  /** Participants' names by key, for the files' labels. */
  names: Record<string, string>;
  joined: boolean;
}

const sizeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
/** `12.3 MB`, in powers of 1000 as file managers show them. */
function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${sizeFormat.format(value)} ${units[unit]}`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * Text chat with everyone in the call, over a data channel on each peer connection. Shows the history with
 * names and times; Enter sends. Messages typed while a connection is still opening are queued, not lost.
 * Files go too: the attach button, or drop them on the panel. Each shows its progress and can be cancelled;
 * received files, their SHA-256 checked, are offered as downloads.
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
 * @csspart attach - The button that picks files to send.
 * @csspart file - One file transfer in the log.
 * @csspart progress - A transfer's progress bar.
 * @csspart file-status - What a transfer is doing, or why it failed.
 * @csspart cancel - The button that stops a transfer.
 * @csspart download - The link to a received file.
 *
 * @cssprop --rtc-chat-height - Height of the panel (default 22rem).
 * @cssprop --rtc-accent - Background of your own messages.
 * @cssprop --rtc-on-accent - Text and icons on the accent colour: white in light mode, near-black in dark.
 *
 * @cssstate unread - Set while messages from others arrived since the chat last had focus.
 * @cssstate dragging - Set while files are dragged over the panel.
 */
export class RtcChat extends LitElement {
  static override styles = [theme, styles];

  readonly #internals: ElementInternals | undefined = internalsOf(this);
  readonly #view = new CallController<ChatView>(
    this,
    (call) => {
      const state = callStateOf(call.actor.getSnapshot());
      const { transfers, peers } = call.actor.getSnapshot().context;
      return {
        messages: call.messages,
        transfers,
        names: Object.fromEntries(Object.values(peers).map(({ key, meta }) => [key, String(meta.name ?? 'Guest')])),
        joined: state === 'waiting' || state === 'in-call' || state === 'reconnecting',
      };
    },
    {
      equals: (a, b) =>
        a.messages === b.messages &&
        a.transfers === b.transfers &&
        a.joined === b.joined &&
        JSON.stringify(a.names) === JSON.stringify(b.names),
      find: () => findCall(this, this.call, this.contextCall),
      // What was said before this chat showed the call counts as read.
      onCall: (call) => (this.#seen = call?.messages.length ?? 0),
    },
  );
  /** Messages counted as seen. */
  #seen = 0;
  /** Download links of received files, revoked when the chat leaves the page. */
  readonly #urls = new Map<Blob, string>();

  @query('[part="log"]') accessor log!: HTMLDivElement | null;

  /** @internal The call of the nearest `<rtc-call>`, from context. */
  @consume({ context: callContext, subscribe: true })
  @state()
  accessor contextCall: Call | undefined;

  /** @internal */
  @state() accessor draft = '';
  /** @internal */
  @state() accessor dragging = false;

  /** Id of an `<rtc-call>` to chat in, when this element is not inside one. */
  @property() accessor call = '';

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('focusin', this.#markRead);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('focusin', this.#markRead);
    for (const url of this.#urls.values()) URL.revokeObjectURL(url);
    this.#urls.clear();
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
    setState(this.#internals, 'unread', this.unread > 0);
    setState(this.#internals, 'dragging', this.dragging);
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

  /** Sends files to everyone in the call; a failure shows in the file's entry, or as `rtc-error`. */
  #send(files: Iterable<File>): void {
    const call = this.#view.call;
    if (!call || !this.#view.value?.joined) return;
    for (const file of files) call.sendFile(file);
  }

  #onPick(event: Event): void {
    const input = event.target as HTMLInputElement;
    this.#send(input.files ?? []);
    input.value = '';
  }

  #onDragOver(event: DragEvent): void {
    if (!event.dataTransfer?.types.includes('Files') || !this.#view.value?.joined) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
    this.dragging = true;
  }

  #onDrop(event: DragEvent): void {
    this.dragging = false;
    if (!event.dataTransfer?.files.length) return;
    event.preventDefault();
    this.#send(event.dataTransfer.files);
  }

  #url(blob: Blob): string {
    let url = this.#urls.get(blob);
    if (!url) this.#urls.set(blob, (url = URL.createObjectURL(blob)));
    return url;
  }

  #file(t: Transfer, names: Record<string, string>) {
    const who = names[t.peer] ?? 'Guest';
    const label = t.direction === 'send' ? `To ${who}` : `From ${who}`;
    const status =
      t.state === 'failed'
        ? (t.error?.message ?? 'Failed.')
        : t.state === 'done'
          ? t.direction === 'send'
            ? 'Sent'
            : 'Received, checked'
          : `${formatSize(t.bytes)} of ${formatSize(t.size)}`;
    return html`
      <li part="file" class="message file ${t.direction === 'send' ? 'mine' : ''} ${t.state}">
        <span class="meta">
          <span part="author" class="author">${label}</span>
          <time part="time" datetime=${new Date(t.time).toISOString()}>${timeFormat.format(t.time)}</time>
        </span>
        <span class="file-row">
          ${
            t.state === 'done' && t.blob
              ? html`<a part="download" class="name" href=${this.#url(t.blob)} download=${t.name}>${t.name}</a>`
              : html`<span class="name">${t.name}</span>`
          }
          <span class="size">${formatSize(t.size)}</span>
        </span>
        <progress
          part="progress"
          max=${Math.max(t.size, 1)}
          .value=${t.state === 'done' ? Math.max(t.size, 1) : t.bytes}
          aria-label="${t.direction === 'send' ? 'Sending' : 'Receiving'} ${t.name}"
          ?hidden=${t.state !== 'active'}
        ></progress>
        <span class="file-row">
          <span part="file-status" class="status" role=${t.state === 'failed' ? 'alert' : nothing}>${status}</span>
          ${
            t.state === 'active'
              ? html`<button
                  part="cancel"
                  class="cancel"
                  type="button"
                  @click=${() => this.#view.call?.cancelFile(t.id)}
                >
                  Cancel<span class="visually-hidden"> ${t.name}</span>
                </button>`
              : nothing
          }
        </span>
      </li>
    `;
  }

  protected override render() {
    const view = this.#view.value;
    const messages = view?.messages ?? [];
    const transfers = Object.values(view?.transfers ?? {});
    const entries: { time: number; message?: ChatMessage; transfer?: Transfer }[] = [
      ...messages.map((message) => ({ time: message.time, message })),
      ...transfers.map((transfer) => ({ time: transfer.time, transfer })),
    ].sort((a, b) => a.time - b.time);
    return html`
      <section
        part="base"
        class="base"
        aria-label="Chat"
        @dragover=${this.#onDragOver}
        @dragleave=${() => (this.dragging = false)}
        @drop=${this.#onDrop}
      >
        <div part="log" class="log" role="log" aria-label="Messages" ?hidden=${entries.length === 0}>
          <ol class="list">
            ${repeat(
              entries,
              (e) =>
                e.transfer
                  ? `file:${e.transfer.peer}/${e.transfer.id}`
                  : `${e.message?.peer}:${e.time}:${e.message?.text.length}`,
              (e) => {
                if (e.transfer) return this.#file(e.transfer, view?.names ?? {});
                const m = e.message!;
                return html`
                  <li part="message" class="message ${m.peer === 'local' ? 'mine' : ''}">
                    <span class="meta">
                      <span part="author" class="author">${m.peer === 'local' ? 'You' : m.name}</span>
                      <time part="time" datetime=${new Date(m.time).toISOString()}>${timeFormat.format(m.time)}</time>
                    </span>
                    <p part="text" class="text">${m.text}</p>
                  </li>
                `;
              },
            )}
          </ol>
        </div>
        <p class="empty" ?hidden=${entries.length > 0}>
          ${view?.joined ? 'No messages yet. Say hello!' : 'Join the call to chat.'}
        </p>
        <form part="form" class="form" @submit=${this.#onSubmit}>
          <button
            part="attach"
            class="attach"
            type="button"
            title="Send a file"
            ?disabled=${!view?.joined}
            @click=${() => (this.renderRoot.querySelector('#files') as HTMLInputElement | null)?.click()}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path
                d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l8-8"
              />
            </svg>
            <span class="visually-hidden">Send a file</span>
          </button>
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
        <input id="files" type="file" multiple hidden @change=${this.#onPick} />
      </section>
    `;
  }
}
