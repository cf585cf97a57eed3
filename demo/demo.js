// The minimal demo served by `npm start`: joins the room named in the URL hash (default "lobby") and shows
// every participant. The full demo built on <rtc-call> replaces this once the elements exist.
import { joinBasicCall } from './basic-call.js';

const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const hash = decodeURIComponent(location.hash.slice(1));
const room = ROOM_PATTERN.test(hash) ? hash : 'lobby';
const server = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/signal`;
const status = /** @type {HTMLElement} */ (document.getElementById('status'));
const tiles = /** @type {HTMLElement} */ (document.getElementById('tiles'));
/** @type {Map<string, string>} */
const names = new Map();

/** @param {string} text */
const say = (text) => (status.textContent = text);
const update = () => {
  const others = tiles.querySelectorAll('.remote').length;
  say(others ? `In call with ${others} other${others > 1 ? 's' : ''}.` : 'Waiting for someone to join…');
};

/** @type {HTMLElement} */ (document.getElementById('room')).textContent = room;
/** @type {HTMLElement} */ (document.getElementById('share')).addEventListener('click', async (event) => {
  const button = /** @type {HTMLButtonElement} */ (event.currentTarget);
  await navigator.clipboard?.writeText(`${location.origin}${location.pathname}#${room}`).catch(() => {});
  button.textContent = 'Link copied';
});
window.addEventListener('hashchange', () => location.reload());

/** @type {MediaStream | undefined} */
let stream;
try {
  stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  /** @type {HTMLVideoElement} */ (document.getElementById('local')).srcObject = stream;
} catch (error) {
  say(`No camera or microphone (${/** @type {Error} */ (error).name}); joining to watch only.`);
}

const name = `Guest ${Math.floor(Math.random() * 900 + 100)}`;
const call = joinBasicCall({
  server,
  room,
  stream,
  meta: { name },
  onPeerJoined: (peer, meta) => names.set(peer, typeof meta.name === 'string' ? meta.name : 'Guest'),
  onTrack(peer, remote) {
    let tile = tiles.querySelector(`[data-peer="${CSS.escape(peer)}"]`);
    if (!tile) {
      tile = document.createElement('figure');
      tile.className = 'tile remote';
      tile.setAttribute('data-peer', peer);
      const video = document.createElement('video');
      video.autoplay = true;
      video.playsInline = true;
      const caption = document.createElement('figcaption');
      caption.textContent = names.get(peer) ?? 'Guest';
      tile.append(video, caption);
      tiles.append(tile);
    }
    /** @type {HTMLVideoElement} */ (tile.querySelector('video')).srcObject = remote;
    update();
  },
  onPeerLeft(peer) {
    tiles.querySelector(`[data-peer="${CSS.escape(peer)}"]`)?.remove();
    update();
  },
  onError: say,
});
await call.joined;
update();
