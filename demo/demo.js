// The demo served by `npm start`: a name prompt, then <rtc-call> in the room named by the URL hash.
const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const hash = decodeURIComponent(location.hash.slice(1));
const room = ROOM_PATTERN.test(hash) ? hash : 'lobby';

const call = /** @type {import('../src/components/index.js').RtcCall} */ (document.getElementById('call'));
const lobby = /** @type {HTMLFormElement} */ (document.getElementById('lobby'));
const nameInput = /** @type {HTMLInputElement} */ (document.getElementById('name'));
const share = /** @type {HTMLButtonElement} */ (document.getElementById('share'));
const toggleChat = /** @type {HTMLButtonElement} */ (document.getElementById('toggle-chat'));
const side = /** @type {HTMLElement} */ (document.getElementById('side'));
const toggleStats = /** @type {HTMLButtonElement} */ (document.getElementById('toggle-stats'));
const stats = /** @type {HTMLElement} */ (document.getElementById('stats'));
const unread = /** @type {HTMLElement} */ (document.getElementById('unread'));
const chat = /** @type {import('../src/components/index.js').RtcChat} */ (document.querySelector('rtc-chat'));

/** @type {HTMLElement} */ (document.getElementById('room')).textContent = room;
nameInput.value = localStorage.getItem('rtc-kit-demo-name') ?? '';
window.addEventListener('hashchange', () => location.reload());

share.addEventListener('click', async () => {
  const link = `${location.origin}${location.pathname}#${room}`;
  try {
    await navigator.clipboard.writeText(link);
    share.textContent = 'Link copied';
  } catch {
    share.textContent = link;
  }
});

/** Opens or closes the chat panel. */
function showChat(open = side.hidden) {
  side.hidden = !open;
  toggleChat.setAttribute('aria-expanded', String(open));
  if (open) chat.shadowRoot?.querySelector('input')?.focus();
}
toggleChat.addEventListener('click', () => showChat());
toggleStats.addEventListener('click', () => {
  stats.hidden = !stats.hidden;
  toggleStats.setAttribute('aria-expanded', String(!stats.hidden));
});

// The unread count on the Chat button follows the chat's own unread state.
call.addEventListener('rtc-message', async () => {
  await chat.updateComplete;
  unread.textContent = String(chat.unread);
  unread.hidden = chat.unread === 0;
});
chat.addEventListener('focusin', () => (unread.hidden = true));

lobby.addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nameInput.value.trim() || 'Guest';
  localStorage.setItem('rtc-kit-demo-name', name);
  lobby.hidden = true;
  call.hidden = false;
  toggleChat.hidden = false;
  toggleStats.hidden = false;
  call.room = room;
  call.name = name;
  call.join();
});

// Ctrl+Alt+I (Ctrl+Option+I on a Mac) opens and closes <rtc-inspector>: every state machine of the call, live.
// Not Ctrl+Shift+I, which opens the browser's devtools; nor a bare key, which would fire while typing in the chat.
const inspector = /** @type {HTMLElement} */ (document.getElementById('inspector'));
window.addEventListener('keydown', (event) => {
  if (!event.ctrlKey || !event.altKey || event.shiftKey || event.metaKey || event.code !== 'KeyI') return;
  event.preventDefault();
  inspector.hidden = !inspector.hidden;
  if (!inspector.hidden) inspector.scrollIntoView({ block: 'nearest' });
});
