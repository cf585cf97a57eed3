// Passive observers of the browser APIs both implementations use (WebSocket, RTCPeerConnection, getUserMedia),
// so rtc-kit and the floor are timed by the same code at the same points. They only add listeners and
// timestamps; nothing they do changes what the page's code sees.

/**
 * @typedef {object} Observed One socket or connection: when it was created, and when each step first happened.
 * @property {number} created
 * @property {Record<string, number>} steps
 */

/**
 * @typedef {object} Recording What happened since the last `reset()`, in creation order.
 * @property {Observed[]} sockets
 * @property {Observed[]} connections
 * @property {number[]} media Times getUserMedia calls resolved.
 */

/** @type {Recording} */
let recording = { sockets: [], connections: [], media: [] };

/** Everything opened and not yet seen closed, across runs: what `leaks()` checks. */
const opened = {
  /** @type {Set<WebSocket>} */
  sockets: new Set(),
  /** @type {Set<RTCPeerConnection>} */
  connections: new Set(),
  /** @type {Set<MediaStreamTrack>} */
  tracks: new Set(),
};

/** @returns {Observed} */
const observed = () => ({ created: performance.now(), steps: {} });

/** @param {Observed} o @param {string} step */
const mark = (o, step) => (o.steps[step] ??= performance.now());

/**
 * What a signaling frame carries, from its text, without parsing it.
 *
 * @param {unknown} data
 * @returns {string | undefined}
 */
function kindOf(data) {
  if (typeof data !== 'string') return undefined;
  if (data.includes('"welcome"')) return 'welcome';
  if (data.includes('"type":"offer"')) return 'offer';
  if (data.includes('"type":"answer"')) return 'answer';
  if (data.includes('"candidate":"candidate')) return 'candidate';
  return undefined;
}

let installed = false;

/** Replaces WebSocket, RTCPeerConnection and getUserMedia with observed equivalents; once per page. */
export function installObservers() {
  if (installed) return;
  installed = true;

  class ObservedWebSocket extends WebSocket {
    /** @param {string | URL} url @param {string | string[]} [protocols] */
    constructor(url, protocols) {
      super(url, protocols);
      const o = observed();
      recording.sockets.push(o);
      opened.sockets.add(this);
      this.addEventListener('open', () => mark(o, 'open'));
      this.addEventListener('message', (event) => {
        const kind = kindOf(event.data);
        if (kind) mark(o, `${kind}-in`);
      });
      this.#observed = o;
    }

    /** @type {Observed} */
    #observed;

    /**
     * @override
     * @param {Parameters<WebSocket['send']>[0]} data
     */
    send(data) {
      const kind = kindOf(data);
      if (kind) mark(this.#observed, `${kind}-out`);
      super.send(data);
    }
  }

  class ObservedPeerConnection extends RTCPeerConnection {
    /** @param {RTCConfiguration} [configuration] */
    constructor(configuration) {
      super(configuration);
      const o = observed();
      recording.connections.push(o);
      opened.connections.add(this);
      this.addEventListener('signalingstatechange', () => {
        if (this.signalingState === 'stable' && this.remoteDescription) mark(o, 'negotiated');
        else mark(o, this.signalingState);
      });
      this.addEventListener('icecandidate', ({ candidate }) => mark(o, candidate ? 'candidate' : 'gathered'));
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected' || this.iceConnectionState === 'completed')
          mark(o, 'ice-connected');
      });
      this.addEventListener('connectionstatechange', () => mark(o, this.connectionState));
      this.addEventListener('track', ({ track }) => mark(o, `${track.kind}-track`));
    }
  }

  const media = navigator.mediaDevices;
  const getUserMedia = media.getUserMedia.bind(media);
  media.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    recording.media.push(performance.now());
    for (const track of stream.getTracks()) opened.tracks.add(track);
    return stream;
  };
  Object.assign(window, { WebSocket: ObservedWebSocket, RTCPeerConnection: ObservedPeerConnection });
}

/**
 * What is still open of everything created since the observers were installed: sockets not closed, connections
 * not closed, captured tracks not ended. Forgets what it finds closed.
 *
 * @returns {{ sockets: number, connections: number, tracks: number }}
 */
export function leaks() {
  for (const ws of opened.sockets) if (ws.readyState === WebSocket.CLOSED) opened.sockets.delete(ws);
  for (const pc of opened.connections) if (pc.signalingState === 'closed') opened.connections.delete(pc);
  for (const track of opened.tracks) if (track.readyState === 'ended') opened.tracks.delete(track);
  return { sockets: opened.sockets.size, connections: opened.connections.size, tracks: opened.tracks.size };
}

/** Starts a new recording and returns the previous one. */
export function resetRecording() {
  const previous = recording;
  recording = { sockets: [], connections: [], media: [] };
  return previous;
}

/**
 * The joiner's path to a call, from a recording of one run: `t0` is when the joiner joined; everything the waiter
 * did before is left out. Times are ms after `t0`.
 *
 * @param {Recording} r
 * @param {number} t0
 * @returns {Record<string, number>}
 */
export function timeline(r, t0) {
  /** @type {Record<string, number>} */
  const out = {};
  /** @param {string} name @param {number | undefined} at */
  const put = (name, at) => {
    if (at !== undefined && at >= t0) out[name] = at - t0;
  };
  const joinerSocket = r.sockets.find((s) => s.created >= t0);
  const waiterSocket = r.sockets.find((s) => s.created < t0);
  // The joiner calls: its connection is the one that offered first.
  const offerer = r.connections.reduce(
    (first, c) =>
      (c.steps['have-local-offer'] ?? Infinity) < (first?.steps['have-local-offer'] ?? Infinity) ? c : first,
    /** @type {Observed | undefined} */ (undefined),
  );
  const answerer = r.connections.find((c) => c !== offerer);
  put(
    'getUserMedia',
    r.media.find((at) => at >= t0),
  );
  put('socket created', joinerSocket?.created);
  put('socket open', joinerSocket?.steps.open);
  put('welcome', joinerSocket?.steps['welcome-in']);
  put('pc created', offerer?.created);
  put('offer created', offerer?.steps['have-local-offer']);
  put('offer sent', joinerSocket?.steps['offer-out']);
  put('waiter: pc created', answerer?.created);
  put('waiter: offer in', waiterSocket?.steps['offer-in']);
  put('waiter: offer applied', answerer?.steps['have-remote-offer']);
  put('waiter: answer created', answerer?.steps.negotiated);
  put('waiter: answer sent', waiterSocket?.steps['answer-out']);
  put('answer in', joinerSocket?.steps['answer-in']);
  put('negotiated', offerer?.steps.negotiated);
  put('first candidate', offerer?.steps.candidate);
  put('ice connected', offerer?.steps['ice-connected']);
  put('connected', offerer?.steps.connected);
  put('waiter: connected', answerer?.steps.connected);
  return out;
}
