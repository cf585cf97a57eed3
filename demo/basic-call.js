// A hand-written mesh call: one RTCPeerConnection per remote peer, signaled through rtc-relay with the W3C
// "perfect negotiation" pattern. No dependencies. It backs the minimal demo and the browser smoke test, and
// is the floor that rtc-kit's engine is measured against.

/**
 * @typedef {object} BasicCallOptions
 * @property {string} server WebSocket URL of the relay, e.g. `ws://localhost:8787/signal`.
 * @property {string} room Room name: 1–64 characters of `[A-Za-z0-9_.-]`.
 * @property {MediaStream} [stream] Local media to send; without it the call only receives.
 * @property {Record<string, unknown>} [meta] Published to the other peers (a display name, say).
 * @property {(peer: string, stream: MediaStream) => void} [onTrack] A remote stream arrived.
 * @property {(peer: string) => void} [onPeerLeft] A peer left the room.
 * @property {(peer: string, meta: Record<string, unknown>) => void} [onPeerJoined] A peer is in the room.
 * @property {(message: string) => void} [onError] The relay refused something, or the socket failed.
 */

/**
 * @typedef {object} BasicCall
 * @property {Promise<string>} joined Resolves with this peer's id once the relay welcomes it.
 * @property {Map<string, RTCPeerConnection>} peers One connection per remote peer.
 * @property {() => void} leave Closes every connection and the socket.
 */

/**
 * Joins `room` on the relay and connects to everyone in it.
 *
 * @param {BasicCallOptions} options
 * @returns {BasicCall}
 */
export function joinBasicCall(options) {
  const { server, room, stream, meta = {} } = options;
  const ws = new WebSocket(server);
  /** @type {Map<string, RTCPeerConnection>} */
  const peers = new Map();
  /** @type {Map<string, { makingOffer: boolean, ignoreOffer: boolean, polite: boolean }>} */
  const negotiation = new Map();
  /** @type {RTCIceServer[]} */
  let iceServers = [];
  let self = '';
  /** @type {(id: string) => void} */
  let resolveJoined = () => {};
  /** @type {Promise<string>} */
  const joined = new Promise((resolve) => (resolveJoined = resolve));

  /** @param {string} to @param {unknown} data */
  const send = (to, data) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'signal', to, data }));
  };

  /** @param {string} id */
  function connect(id) {
    const existing = peers.get(id);
    if (existing) return existing;
    const pc = new RTCPeerConnection({ iceServers });
    // The peer with the smaller id yields in an offer collision.
    const state = { makingOffer: false, ignoreOffer: false, polite: self < id };
    peers.set(id, pc);
    negotiation.set(id, state);
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    else for (const kind of ['audio', 'video']) pc.addTransceiver(kind, { direction: 'recvonly' });
    pc.onnegotiationneeded = async () => {
      try {
        state.makingOffer = true;
        await pc.setLocalDescription();
        send(id, { description: pc.localDescription });
      } catch (error) {
        options.onError?.(`negotiation with ${id} failed: ${error}`);
      } finally {
        state.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => send(id, { candidate });
    pc.ontrack = ({ track, streams }) => options.onTrack?.(id, streams[0] ?? new MediaStream([track]));
    return pc;
  }

  /** @param {string} from @param {{ description?: RTCSessionDescriptionInit, candidate?: RTCIceCandidateInit | null }} data */
  async function onSignal(from, { description, candidate }) {
    const pc = connect(from);
    const state = /** @type {{ makingOffer: boolean, ignoreOffer: boolean, polite: boolean }} */ (
      negotiation.get(from)
    );
    try {
      if (description) {
        const collision = description.type === 'offer' && (state.makingOffer || pc.signalingState !== 'stable');
        state.ignoreOffer = !state.polite && collision;
        if (state.ignoreOffer) return;
        await pc.setRemoteDescription(description);
        if (description.type === 'offer') {
          await pc.setLocalDescription();
          send(from, { description: pc.localDescription });
        }
      } else if (candidate !== undefined) {
        try {
          await pc.addIceCandidate(candidate ?? undefined);
        } catch (error) {
          if (!state.ignoreOffer) throw error;
        }
      }
    } catch (error) {
      options.onError?.(`signal from ${from} failed: ${error}`);
    }
  }

  /** @param {string} id */
  function drop(id) {
    peers.get(id)?.close();
    peers.delete(id);
    negotiation.delete(id);
  }

  ws.onopen = () => ws.send(JSON.stringify({ type: 'join', room, meta }));
  ws.onerror = () => options.onError?.(`cannot reach the relay at ${server}`);
  ws.onmessage = (event) => {
    /** @type {any} */
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    switch (message.type) {
      case 'welcome':
        self = message.peer;
        iceServers = message.iceServers;
        resolveJoined(self);
        // The newcomer calls everyone already there; they answer when its offer arrives.
        for (const peer of message.peers) {
          options.onPeerJoined?.(peer.id, peer.meta);
          connect(peer.id);
        }
        break;
      case 'peer-joined':
        options.onPeerJoined?.(message.peer.id, message.peer.meta);
        break;
      case 'peer-left':
        drop(message.peer);
        options.onPeerLeft?.(message.peer);
        break;
      case 'signal':
        void onSignal(message.from, message.data);
        break;
      case 'error':
        options.onError?.(`${message.code}: ${message.message}`);
        break;
    }
  };

  return {
    joined,
    peers,
    leave() {
      for (const id of [...peers.keys()]) drop(id);
      ws.close();
    },
  };
}
