// The network suite's video source, imported by its pages (the relay serves it at /noise.js).

/**
 * A 640x360 video of random noise at 30 frame/s. The fake camera's picture is so simple that the encoder
 * sends about 300 kbit/s of it whatever the link allows; noise takes all the bit rate it is given (up to
 * Chromium's 1.7 Mbit/s for this size), so shaping shows in the bit rate. Eight frames, made once, cycle.
 */
export function noiseTrack() {
  const canvas = Object.assign(document.createElement('canvas'), { width: 640, height: 360 });
  const context = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  const frames = Array.from({ length: 8 }, () => {
    const frame = context.createImageData(canvas.width, canvas.height);
    const pixels = new Uint32Array(frame.data.buffer);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (Math.random() * 0x1000000) | 0xff000000;
    return frame;
  });
  let next = 0;
  setInterval(() => context.putImageData(/** @type {ImageData} */ (frames[next++ % frames.length]), 0, 0), 33);
  const track = /** @type {MediaStreamTrack} */ (canvas.captureStream(30).getVideoTracks()[0]);
  // Keep the resolution when short of bits, as for a screen share: scaled down, noise stops at 600 kbit/s.
  track.contentHint = 'detail';
  return track;
}
