// Injected into every page of `bench:connect`'s page-open mode before any of its own scripts run (puppeteer's
// evaluateOnNewDocument), the same for rtc-kit, the floor and PeerJS. It only watches: it timestamps, in ms since
// the page's navigation started (performance.now()), when the page got its camera, opened its signaling socket,
// heard from the server, created its RTCPeerConnection, connected it, and decoded the first remote video frame.
(() => {
  /** @type {Record<string, number>} */
  const steps = {};
  const mark = (/** @type {string} */ step) => (steps[step] ??= performance.now());
  Object.defineProperty(window, '__open', { value: steps });

  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    mark('camera');
    return stream;
  };

  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    /** @param {string | URL} url @param {string | string[]} [protocols] */
    constructor(url, protocols) {
      super(url, protocols);
      mark('socket created');
      this.addEventListener('open', () => mark('socket open'));
      this.addEventListener('message', () => mark('server answered'));
    }
  };

  const NativePeerConnection = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends NativePeerConnection {
    /** @param {RTCConfiguration} [config] */
    constructor(config) {
      super(config);
      mark('peer connection');
      this.addEventListener('signalingstatechange', () => {
        if (this.signalingState === 'have-local-offer') mark('local offer');
        if (this.signalingState === 'have-remote-offer') mark('remote offer');
        if (this.signalingState === 'stable' && this.remoteDescription) mark('negotiated');
      });
      this.addEventListener('iceconnectionstatechange', () => {
        if (this.iceConnectionState === 'connected') mark('ice connected');
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected') mark('connected');
      });
      this.addEventListener('track', ({ track }) => {
        if (track.kind !== 'video' || steps.watching) return;
        steps.watching = performance.now();
        // A 2 px video of its own: the first frame decoded from the remote track, whatever the page does with it.
        const video = document.createElement('video');
        Object.assign(video, { muted: true, playsInline: true, srcObject: new MediaStream([track]) });
        video.style.cssText = 'position:fixed;right:0;bottom:0;width:2px;height:2px';
        video.requestVideoFrameCallback(() => mark('first frame'));
        document.documentElement.append(video);
        video.play().catch(() => {});
      });
    }
  };
})();
