import { expect, waitUntil } from '@open-wc/testing';
import { createActor, fromPromise, waitFor, type Actor } from 'xstate';
import {
  mediaMachine,
  type GetDisplayMediaInput,
  type MediaEmitted,
  type MediaInput,
} from '../../src/machines/media.machine.js';

type TrackEvent = Extract<MediaEmitted, { type: 'track' }>;
type ErrorEvent = Extract<MediaEmitted, { type: 'error' }>;
type MediaActor = Actor<typeof mediaMachine>;

const timeout = 10_000;

describe('media machine (real Chromium, fake devices)', () => {
  const actors: MediaActor[] = [];

  function start(machine: typeof mediaMachine = mediaMachine, input: MediaInput = {}) {
    const actor = createActor(machine, { input });
    actors.push(actor);
    const tracks: TrackEvent[] = [];
    const errors: ErrorEvent[] = [];
    actor.on('track', (event) => tracks.push(event));
    actor.on('error', (event) => errors.push(event));
    actor.start();
    return { actor, tracks, errors };
  }

  async function live(machine?: typeof mediaMachine, input?: MediaInput) {
    const t = start(machine, input);
    t.actor.send({ type: 'media.start' });
    await waitFor(t.actor, (s) => s.matches('live'), { timeout });
    return t;
  }

  const context = (actor: MediaActor) => actor.getSnapshot().context;

  afterEach(() => {
    // media.stop stops every track, so no camera stays open for the next test.
    for (const actor of actors.splice(0)) {
      actor.send({ type: 'media.stop' });
      actor.stop();
    }
  });

  it('acquires live camera and microphone tracks into one stream, and lists the devices', async () => {
    const { actor, tracks } = await live();
    const { audioTrack, cameraTrack, stream } = context(actor);
    expect(audioTrack?.readyState).to.equal('live');
    expect(cameraTrack?.readyState).to.equal('live');
    expect(stream?.getTracks()).to.have.members([audioTrack, cameraTrack]);
    expect(tracks.map(({ kind, track }) => [kind, track])).to.deep.equal([
      ['audio', audioTrack],
      ['video', cameraTrack],
    ]);
    await waitFor(actor, (s) => s.context.devices.some((device) => device.kind === 'videoinput'), { timeout });
    const [device] = context(actor).devices;
    expect(Object.keys(device ?? {})).to.have.members(['deviceId', 'kind', 'label', 'groupId']);
  });

  it('mutes by disabling the same track', async () => {
    const { actor, tracks } = await live();
    const mic = context(actor).audioTrack;
    actor.send({ type: 'media.mute', muted: true });
    expect(mic?.enabled).to.equal(false);
    expect(mic?.readyState).to.equal('live');
    actor.send({ type: 'media.mute', muted: false });
    expect(mic?.enabled).to.equal(true);
    expect(context(actor).audioTrack).to.equal(mic);
    expect(tracks).to.have.length(2);
  });

  it('stops the camera track when the camera goes off, and starts a new one when it comes back', async () => {
    const { actor, tracks } = await live();
    const { cameraTrack: old, stream } = context(actor);
    actor.send({ type: 'media.camera', on: false });
    expect(old?.readyState).to.equal('ended');
    expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: 'video', track: null });
    expect(stream?.getVideoTracks()).to.deep.equal([]);

    actor.send({ type: 'media.camera', on: true });
    await waitFor(actor, (s) => s.matches({ live: { camera: 'on' } }), { timeout });
    const { cameraTrack } = context(actor);
    expect(cameraTrack).to.not.equal(old);
    expect(cameraTrack?.readyState).to.equal('live');
    expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: 'video', track: cameraTrack });
    expect(context(actor).stream).to.equal(stream);
    expect(stream?.getVideoTracks()).to.deep.equal([cameraTrack]);
  });

  for (const kind of ['videoinput', 'audioinput'] as const) {
    it(`switches the ${kind} between the fake devices`, async () => {
      const { actor, tracks } = await live();
      const which = kind === 'audioinput' ? 'audioTrack' : 'cameraTrack';
      const old = context(actor)[which];
      const current = old?.getSettings().deviceId;
      const devices = (await navigator.mediaDevices.enumerateDevices()).filter((device) => device.kind === kind);
      expect(devices.length).to.be.greaterThan(0);
      // With one fake device, switching to it again still must produce (and announce) a new track.
      const target = devices.find((device) => device.deviceId !== current) ?? devices[0];
      if (!target) throw new Error(`no ${kind}`);
      actor.send({ type: 'media.device.select', kind, deviceId: target.deviceId });
      expect(actor.getSnapshot().matches({ live: { devices: 'switching' } })).to.equal(true);
      await waitFor(actor, (s) => s.matches({ live: { devices: 'idle' } }), { timeout });
      const { stream, selected, deviceError } = context(actor);
      const track = context(actor)[which];
      expect(deviceError).to.equal(undefined);
      expect(track).to.not.equal(old);
      expect(track?.readyState).to.equal('live');
      expect(old?.readyState).to.equal('ended');
      expect(track?.getSettings().deviceId).to.equal(target.deviceId);
      expect(selected[kind]).to.equal(target.deviceId);
      expect(stream?.getTracks()).to.include(track);
      expect(stream?.getTracks()).to.not.include(old);
      expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: kind === 'audioinput' ? 'audio' : 'video', track });
    });
  }

  it('lands in denied with the user message when getUserMedia refuses', async () => {
    const media = navigator.mediaDevices;
    const original = media.getUserMedia;
    media.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    try {
      const { actor, errors } = start();
      actor.send({ type: 'media.start' });
      await waitFor(actor, (s) => s.matches('denied'), { timeout });
      const error = {
        name: 'NotAllowedError',
        message: "Camera and microphone access was denied. Allow it in the browser's site settings, then try again.",
      };
      expect(context(actor).error).to.deep.equal(error);
      expect(errors).to.deep.equal([{ type: 'error', error }]);
      media.getUserMedia = original;
      actor.send({ type: 'media.retry' });
      await waitFor(actor, (s) => s.matches('live'), { timeout });
    } finally {
      media.getUserMedia = original;
    }
  });

  it('tries a real screen share: it either shares or lands back in screen.off with screenError', async () => {
    const { actor, tracks, errors } = await live();
    actor.send({ type: 'media.screen.start' });
    const settled = await waitFor(actor, (s) => !s.matches({ live: { screen: 'starting' } }), { timeout });
    if (settled.matches({ live: { screen: 'sharing' } })) {
      // Chromium with --use-fake-ui-for-media-stream picks a screen by itself.
      const screen = settled.context.screenTrack;
      expect(screen?.readyState).to.equal('live');
      expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: 'video', track: screen });
      actor.send({ type: 'media.screen.stop' });
      expect(screen?.readyState).to.equal('ended');
      expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: 'video', track: context(actor).cameraTrack });
    } else {
      // Headless Chromium refuses getDisplayMedia (no picker, no user gesture): what a user would see instead.
      expect(settled.matches({ live: { screen: 'off', camera: 'on' } })).to.equal(true);
      expect(settled.context.screenError?.name).to.be.a('string');
      expect(settled.context.screenError?.message).to.match(/\.$/);
      expect(settled.context.error).to.equal(undefined);
      expect(errors).to.deep.equal([]);
      expect(tracks).to.have.length(2);
    }
  });

  it('goes back to screen.off with screenError when the picker is cancelled (real actor)', async () => {
    const media = navigator.mediaDevices;
    const original = media.getDisplayMedia;
    media.getDisplayMedia = () => Promise.reject(new DOMException('Permission denied by user', 'NotAllowedError'));
    try {
      const { actor, tracks, errors } = await live();
      actor.send({ type: 'media.screen.start' });
      await waitFor(actor, (s) => s.matches({ live: { screen: 'off' } }), { timeout });
      expect(context(actor).screenError).to.deep.equal({
        name: 'NotAllowedError',
        message: 'Screen sharing was cancelled or is not allowed on this page.',
      });
      expect(errors).to.deep.equal([]);
      expect(tracks).to.have.length(2);
      expect(actor.getSnapshot().matches({ live: { camera: 'on' } })).to.equal(true);
    } finally {
      media.getDisplayMedia = original;
    }
  });

  it('sends a screen track while sharing, and the camera again when the browser ends the share', async () => {
    let canvasTrack: MediaStreamTrack | undefined;
    const machine = mediaMachine.provide({
      actors: {
        getDisplayMedia: fromPromise<MediaStream, GetDisplayMediaInput>(async () => {
          const canvas = document.createElement('canvas');
          canvas.getContext('2d')?.fillRect(0, 0, canvas.width, canvas.height);
          const stream = canvas.captureStream(5);
          canvasTrack = stream.getVideoTracks()[0];
          return stream;
        }),
      },
    });
    const { actor, tracks } = await live(machine);
    const camera = context(actor).cameraTrack;
    actor.send({ type: 'media.screen.start' });
    await waitFor(actor, (s) => s.matches({ live: { screen: 'sharing' } }), { timeout });
    const screen = context(actor).screenTrack;
    expect(screen).to.equal(canvasTrack);
    expect(screen?.readyState).to.equal('live');
    expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: 'video', track: screen });
    expect(context(actor).stream?.getVideoTracks()).to.deep.equal([screen]);
    expect(camera?.readyState).to.equal('live');

    // What the browser's "Stop sharing" does: the track ends (stop() alone fires no event). Firefox hands a
    // synthetic `ended` on a track to its `onended` only, not to listeners (the watcher's, here): there the test
    // sends the machine what the watcher sends on a real `ended`, which Chromium shows the watcher does.
    let heard = false;
    const probe = (): void => void (heard = true);
    screen?.addEventListener('ended', probe);
    screen?.dispatchEvent(new Event('ended'));
    screen?.removeEventListener('ended', probe);
    if (!heard) actor.send({ type: 'media.track.ended', kind: 'video', source: 'screen' });
    await waitFor(actor, (s) => s.matches({ live: { screen: 'off' } }), { timeout });
    expect(screen?.readyState).to.equal('ended');
    expect(tracks.at(-1)).to.deep.equal({ type: 'track', kind: 'video', track: camera });
    expect(context(actor).stream?.getVideoTracks()).to.deep.equal([camera]);
  });

  it('stops every track on media.stop', async () => {
    const { actor, tracks } = await live();
    const { audioTrack, cameraTrack, stream } = context(actor);
    actor.send({ type: 'media.stop' });
    expect(actor.getSnapshot().matches('stopped')).to.equal(true);
    await waitUntil(() => audioTrack?.readyState === 'ended' && cameraTrack?.readyState === 'ended', 'tracks end');
    expect(stream?.getTracks()).to.deep.equal([]);
    expect(tracks.slice(-2)).to.deep.equal([
      { type: 'track', kind: 'audio', track: null },
      { type: 'track', kind: 'video', track: null },
    ]);
  });
});
