import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import {
  createActor,
  createMachine,
  fromCallback,
  fromPromise,
  waitFor,
  type AnyEventObject,
  type EventObject,
} from 'xstate';
import {
  describeMediaError,
  getUserMediaActor,
  goneDevices,
  mediaMachine,
  sentTracks,
  withDevice,
  deviceWatcherActor,
  trackWatcherActor,
  type GetDisplayMediaInput,
  type GetUserMediaInput,
  type MediaContext,
  type MediaDevice,
  type MediaEmitted,
  type MediaEvent,
  type MediaInput,
  type TrackWatcherInput,
} from '../../src/machines/media.machine.js';
import { coverModel, formatCoverage } from './model.js';

/** A MediaStreamTrack as far as the machine uses one; `end()` plays an unplugged device. */
class FakeTrack extends EventTarget {
  static count = 0;
  readonly id = `track-${++FakeTrack.count}`;
  enabled = true;
  readyState: MediaStreamTrackState = 'live';
  /** `ended` listeners currently attached. */
  listeners = 0;

  constructor(
    readonly kind: 'audio' | 'video',
    readonly deviceId: string,
  ) {
    super();
  }

  stop(): void {
    this.readyState = 'ended';
  }

  getSettings(): MediaTrackSettings {
    return { deviceId: this.deviceId };
  }

  /** What the browser does when the device goes away or the user presses "Stop sharing". */
  end(): void {
    this.readyState = 'ended';
    this.dispatchEvent(new Event('ended'));
  }

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[0] === 'ended') this.listeners++;
    super.addEventListener(...args);
  }

  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[0] === 'ended') this.listeners--;
    super.removeEventListener(...args);
  }

  toJSON(): string {
    return `${this.kind}:${this.deviceId}`;
  }
}

/** A MediaStream as far as the machine uses one. */
class FakeStream {
  readonly tracks: FakeTrack[];

  constructor(tracks: FakeTrack[]) {
    this.tracks = [...tracks];
  }

  getTracks(): FakeTrack[] {
    return [...this.tracks];
  }

  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'audio');
  }

  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((track) => track.kind === 'video');
  }

  addTrack(track: FakeTrack): void {
    if (!this.tracks.includes(track)) this.tracks.push(track);
  }

  removeTrack(track: FakeTrack): void {
    const index = this.tracks.indexOf(track);
    if (index >= 0) this.tracks.splice(index, 1);
  }

  toJSON(): string[] {
    return this.tracks.map((track) => track.toJSON());
  }
}

const asStream = (stream: FakeStream): MediaStream => stream as unknown as MediaStream;
const fake = (track: MediaStreamTrack | null | undefined): FakeTrack => {
  assert.ok(track instanceof FakeTrack, `expected a track, got ${String(track)}`);
  return track;
};
const tracksOf = (context: MediaContext): FakeTrack[] => (context.stream as unknown as FakeStream).getTracks();

/** The device a constraint asks for exactly, else the fake default. */
function deviceOf(constraint: boolean | MediaTrackConstraints | undefined, fallback: string): string {
  if (typeof constraint !== 'object') return fallback;
  const { deviceId } = constraint;
  if (typeof deviceId === 'object' && deviceId !== null && !Array.isArray(deviceId) && deviceId.exact)
    return String(deviceId.exact);
  return typeof deviceId === 'string' ? deviceId : fallback;
}

const DEVICES: MediaDevice[] = [
  { deviceId: 'mic-1', kind: 'audioinput', label: 'Mic 1', groupId: 'g1' },
  { deviceId: 'mic-2', kind: 'audioinput', label: 'Mic 2', groupId: 'g2' },
  { deviceId: 'cam-1', kind: 'videoinput', label: 'Cam 1', groupId: 'g1' },
  { deviceId: 'cam-2', kind: 'videoinput', label: 'Cam 2', groupId: 'g2' },
];

/** getUserMedia the test drives: records constraints, fails with the queued error names, else answers. */
function fakeUserMedia() {
  const calls: MediaStreamConstraints[] = [];
  const failures: string[] = [];
  const logic = fromPromise<MediaStream, GetUserMediaInput>(async ({ input }) => {
    calls.push(input.constraints);
    const failure = failures.shift();
    if (failure) throw new DOMException(`fake ${failure}`, failure);
    const { audio, video } = input.constraints;
    const tracks: FakeTrack[] = [];
    if (audio) tracks.push(new FakeTrack('audio', deviceOf(audio, 'mic-1')));
    if (video) tracks.push(new FakeTrack('video', deviceOf(video, 'cam-1')));
    return asStream(new FakeStream(tracks));
  });
  return { logic, calls, failures };
}

/** getDisplayMedia the test drives: a screen track, or the queued error. */
function fakeDisplayMedia() {
  const failures: string[] = [];
  const logic = fromPromise<MediaStream, GetDisplayMediaInput>(async () => {
    const failure = failures.shift();
    if (failure) throw new DOMException(`fake ${failure}`, failure);
    return asStream(new FakeStream([new FakeTrack('video', 'screen:0')]));
  });
  return { logic, failures };
}

/** A watcher that never reports: tests send what it would. */
const inertCallback = <TInput = void>() => fromCallback<MediaEvent, TInput, MediaEvent>(() => () => {});

function start(input: MediaInput = {}) {
  const gum = fakeUserMedia();
  const gdm = fakeDisplayMedia();
  const machine = mediaMachine.provide({
    // The real trackWatcher: fake tracks are EventTargets. Device lists are sent by the tests.
    actors: { getUserMedia: gum.logic, getDisplayMedia: gdm.logic, deviceWatcher: inertCallback() },
  });
  const actor = createActor(machine, { input });
  const tracks: Extract<MediaEmitted, { type: 'track' }>[] = [];
  const errors: Extract<MediaEmitted, { type: 'error' }>[] = [];
  actor.on('track', (event) => tracks.push(event));
  actor.on('error', (event) => errors.push(event));
  actor.start();
  return { actor, gum, gdm, tracks, errors };
}

async function live(input: MediaInput = {}) {
  const t = start(input);
  t.actor.send({ type: 'media.start' });
  await waitFor(t.actor, (s) => s.matches('live'), { timeout: 1000 });
  return t;
}

/** Waits until the devices region has finished a switch. */
const switched = (t: Awaited<ReturnType<typeof live>>) =>
  waitFor(t.actor, (s) => s.matches({ live: { devices: 'idle' } }), { timeout: 1000 });

describe('mediaMachine', () => {
  it('acquires the camera and microphone and announces both tracks', async () => {
    const { actor, gum, tracks } = await live();
    const { context } = actor.getSnapshot();
    assert.deepEqual(gum.calls, [{ audio: true, video: true }]);
    assert.ok(actor.getSnapshot().matches({ live: { mic: 'unmuted', camera: 'on', screen: 'off', devices: 'idle' } }));
    assert.equal(fake(context.audioTrack).kind, 'audio');
    assert.equal(fake(context.cameraTrack).kind, 'video');
    assert.deepEqual(
      tracks.map(({ kind, track }) => [kind, track]),
      [
        ['audio', context.audioTrack],
        ['video', context.cameraTrack],
      ],
    );
    assert.deepEqual(tracksOf(context), [context.audioTrack, context.cameraTrack]);
    actor.stop();
  });

  it('starts with the camera off when the input asks for none, and announces video as null', async () => {
    const { actor, gum, tracks } = await live({ video: false });
    assert.deepEqual(gum.calls, [{ audio: true, video: false }]);
    assert.ok(actor.getSnapshot().matches({ live: { camera: 'off' } }));
    assert.deepEqual(
      tracks.map(({ kind, track }) => [kind, track === null]),
      [
        ['audio', false],
        ['video', true],
      ],
    );
    actor.stop();
  });

  it('acquires with the devices selected before start', async () => {
    const t = start({ audio: { echoCancellation: true } });
    t.actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' });
    t.actor.send({ type: 'media.start' });
    await waitFor(t.actor, (s) => s.matches('live'));
    assert.deepEqual(t.gum.calls, [{ audio: { echoCancellation: true }, video: { deviceId: { exact: 'cam-2' } } }]);
    assert.equal(fake(t.actor.getSnapshot().context.cameraTrack).deviceId, 'cam-2');
    t.actor.stop();
  });

  describe('#errors', () => {
    const cases = [
      ['NotAllowedError', 'denied'],
      ['SecurityError', 'denied'],
      ['NotFoundError', 'not-found'],
      ['OverconstrainedError', 'not-found'],
      ['NotReadableError', 'in-use'],
      ['AbortError', 'in-use'],
      ['TypeError', 'error'],
      ['NotSupportedError', 'error'],
    ] as const;
    for (const [name, state] of cases) {
      it(`${name} → ${state}, with a message for the user, and retry recovers`, async () => {
        const t = start();
        t.gum.failures.push(name);
        t.actor.send({ type: 'media.start' });
        await waitFor(t.actor, (s) => s.matches(state));
        const expected = { name, message: describeMediaError(new DOMException('', name)).message };
        assert.deepEqual(t.actor.getSnapshot().context.error, expected);
        assert.deepEqual(t.errors, [{ type: 'error', error: expected }]);
        assert.equal(t.tracks.length, 0);
        t.actor.send({ type: 'media.retry' });
        await waitFor(t.actor, (s) => s.matches('live'));
        assert.equal(t.actor.getSnapshot().context.error, undefined);
        t.actor.stop();
      });
    }

    it('words each error state for the user', () => {
      const message = (name: string, subject?: Parameters<typeof describeMediaError>[1]) =>
        describeMediaError(new DOMException('', name), subject).message;
      assert.equal(
        message('NotAllowedError'),
        "Camera and microphone access was denied. Allow it in the browser's site settings, then try again.",
      );
      assert.equal(
        message('NotAllowedError', 'camera'),
        "Camera access was denied. Allow it in the browser's site settings, then try again.",
      );
      assert.equal(message('NotFoundError'), 'No camera or microphone was found. Connect one, then try again.');
      assert.equal(
        message('OverconstrainedError', 'microphone'),
        'The selected microphone is not available. Choose another one, then try again.',
      );
      assert.equal(
        message('NotReadableError', 'camera'),
        'The camera could not be started; another app may be using it. Close that app, then try again.',
      );
      assert.equal(
        message('TypeError'),
        'The camera and microphone could not be started because of an unexpected error. Reload the page, then try again.',
      );
      assert.equal(
        message('NotSupportedError'),
        'This page cannot use the camera and microphone: it must be opened over https (or from localhost).',
      );
      assert.equal(
        message('NotAllowedError', 'screen'),
        'Screen sharing was cancelled or is not allowed on this page.',
      );
    });

    it('treats anything without a usable name as an unexpected error', () => {
      for (const error of [undefined, null, 'boom', 42, {}, { name: '' }, { name: 'constructor' }])
        assert.equal(describeMediaError(error).state, 'error', JSON.stringify(error));
      assert.equal(describeMediaError(new Error('x')).name, 'Error');
    });

    it('words the error by what was asked for', async () => {
      const t = start({ video: false });
      t.gum.failures.push('NotAllowedError');
      t.actor.send({ type: 'media.start' });
      await waitFor(t.actor, (s) => s.matches('denied'));
      assert.match(t.actor.getSnapshot().context.error?.message ?? '', /^Microphone access was denied\./);
      t.actor.stop();
    });
  });

  describe('#mic', () => {
    it('mutes by disabling the same track: no new track, nothing announced', async () => {
      const { actor, tracks } = await live();
      const mic = fake(actor.getSnapshot().context.audioTrack);
      tracks.length = 0;
      actor.send({ type: 'media.mute', muted: true });
      assert.ok(actor.getSnapshot().matches({ live: { mic: 'muted' } }));
      assert.equal(mic.enabled, false);
      assert.equal(mic.readyState, 'live');
      actor.send({ type: 'media.mute', muted: true });
      assert.ok(actor.getSnapshot().matches({ live: { mic: 'muted' } }));
      actor.send({ type: 'media.mute', muted: false });
      assert.ok(actor.getSnapshot().matches({ live: { mic: 'unmuted' } }));
      assert.equal(mic.enabled, true);
      assert.equal(actor.getSnapshot().context.audioTrack, mic);
      assert.deepEqual(tracks, []);
      actor.stop();
    });

    it('tracks the mute intent without a microphone', async () => {
      const { actor } = await live({ audio: false });
      actor.send({ type: 'media.mute', muted: true });
      assert.ok(actor.getSnapshot().matches({ live: { mic: 'muted' } }));
      assert.equal(actor.getSnapshot().context.muted, true);
      actor.stop();
    });

    it('reacquires the default microphone when the one in use ends', async () => {
      const t = await live();
      t.actor.send({ type: 'media.device.select', kind: 'audioinput', deviceId: 'mic-2' });
      await switched(t);
      t.actor.send({ type: 'media.mute', muted: true });
      const unplugged = fake(t.actor.getSnapshot().context.audioTrack);
      t.tracks.length = 0;
      unplugged.end();
      assert.ok(t.actor.getSnapshot().matches({ live: { devices: 'switching' } }));
      await switched(t);
      const { context } = t.actor.getSnapshot();
      const mic = fake(context.audioTrack);
      assert.notEqual(mic, unplugged);
      assert.equal(mic.deviceId, 'mic-1');
      assert.equal(mic.enabled, false, 'still muted');
      assert.deepEqual(t.gum.calls.at(-1), { audio: true, video: false });
      assert.equal(context.selected.audioinput, undefined);
      assert.deepEqual(t.tracks, [{ type: 'track', kind: 'audio', track: mic }]);
      t.actor.stop();
    });
  });

  describe('#camera', () => {
    it('turns off by stopping the track, and announces null', async () => {
      const { actor, tracks } = await live();
      const camera = fake(actor.getSnapshot().context.cameraTrack);
      tracks.length = 0;
      actor.send({ type: 'media.camera', on: false });
      const { context } = actor.getSnapshot();
      assert.ok(actor.getSnapshot().matches({ live: { camera: 'off' } }));
      assert.equal(camera.readyState, 'ended');
      assert.equal(context.cameraTrack, undefined);
      assert.deepEqual(tracksOf(context), [context.audioTrack]);
      assert.deepEqual(tracks, [{ type: 'track', kind: 'video', track: null }]);
      actor.stop();
    });

    it('turns back on with a new track in the same stream, and announces it', async () => {
      const { actor, gum, tracks } = await live({ video: { width: 640 } });
      const stream = actor.getSnapshot().context.stream;
      const old = actor.getSnapshot().context.cameraTrack;
      actor.send({ type: 'media.camera', on: false });
      tracks.length = 0;
      actor.send({ type: 'media.camera', on: true });
      assert.ok(actor.getSnapshot().matches({ live: { camera: 'starting' } }));
      await waitFor(actor, (s) => s.matches({ live: { camera: 'on' } }));
      const { context } = actor.getSnapshot();
      const camera = fake(context.cameraTrack);
      assert.notEqual(camera, old);
      assert.equal(camera.readyState, 'live');
      assert.equal(context.stream, stream);
      assert.deepEqual(tracksOf(context), [context.audioTrack, camera]);
      assert.deepEqual(gum.calls.at(-1), { video: { width: 640 } });
      assert.deepEqual(tracks, [{ type: 'track', kind: 'video', track: camera }]);
      actor.stop();
    });

    it('turns on a camera the input left off', async () => {
      const { actor, gum } = await live({ video: false });
      actor.send({ type: 'media.camera', on: true });
      await waitFor(actor, (s) => s.matches({ live: { camera: 'on' } }));
      assert.deepEqual(gum.calls.at(-1), { video: true });
      actor.stop();
    });

    it('stays off with a device error when the camera cannot restart', async () => {
      const { actor, gum, tracks } = await live();
      actor.send({ type: 'media.camera', on: false });
      tracks.length = 0;
      gum.failures.push('NotReadableError');
      actor.send({ type: 'media.camera', on: true });
      await waitFor(actor, (s) => s.matches({ live: { camera: 'off' } }));
      assert.equal(actor.getSnapshot().context.deviceError?.name, 'NotReadableError');
      assert.match(actor.getSnapshot().context.deviceError?.message ?? '', /^The camera could not be started/);
      assert.deepEqual(tracks, []);
      actor.stop();
    });

    it('restarts a starting camera on the newly selected device', async () => {
      const { actor, gum } = await live();
      actor.send({ type: 'media.camera', on: false });
      actor.send({ type: 'media.camera', on: true });
      actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' });
      await waitFor(actor, (s) => s.matches({ live: { camera: 'on' } }));
      assert.deepEqual(gum.calls.at(-1), { video: { deviceId: { exact: 'cam-2' } } });
      assert.equal(fake(actor.getSnapshot().context.cameraTrack).deviceId, 'cam-2');
      actor.stop();
    });

    it('goes off and announces null when the camera is unplugged', async () => {
      const { actor, tracks } = await live();
      tracks.length = 0;
      fake(actor.getSnapshot().context.cameraTrack).end();
      assert.ok(actor.getSnapshot().matches({ live: { camera: 'off' } }));
      assert.deepEqual(tracks, [{ type: 'track', kind: 'video', track: null }]);
      actor.stop();
    });

    it('no longer listens to a track it stopped', async () => {
      const { actor } = await live();
      const camera = fake(actor.getSnapshot().context.cameraTrack);
      const mic = fake(actor.getSnapshot().context.audioTrack);
      assert.equal(camera.listeners, 1);
      actor.send({ type: 'media.camera', on: false });
      assert.equal(camera.listeners, 0);
      assert.equal(mic.listeners, 1);
      actor.stop();
      assert.equal(mic.listeners, 0);
    });
  });

  describe('#screen', () => {
    it('sends the screen while sharing, and the camera again after media.screen.stop', async () => {
      const { actor, tracks } = await live();
      const camera = fake(actor.getSnapshot().context.cameraTrack);
      tracks.length = 0;
      actor.send({ type: 'media.screen.start' });
      await waitFor(actor, (s) => s.matches({ live: { screen: 'sharing' } }));
      const screen = fake(actor.getSnapshot().context.screenTrack);
      assert.deepEqual(tracks, [{ type: 'track', kind: 'video', track: screen }]);
      assert.deepEqual(tracksOf(actor.getSnapshot().context), [actor.getSnapshot().context.audioTrack, screen]);
      assert.equal(camera.readyState, 'live', 'the camera stays ready for when sharing stops');
      actor.send({ type: 'media.screen.stop' });
      assert.ok(actor.getSnapshot().matches({ live: { screen: 'off', camera: 'on' } }));
      assert.equal(screen.readyState, 'ended');
      assert.equal(actor.getSnapshot().context.screenTrack, undefined);
      assert.deepEqual(tracks.at(-1), { type: 'track', kind: 'video', track: camera });
      assert.deepEqual(tracksOf(actor.getSnapshot().context), [actor.getSnapshot().context.audioTrack, camera]);
      actor.stop();
    });

    it('stops sharing when the browser’s "Stop sharing" ends the track', async () => {
      const { actor, tracks } = await live();
      const camera = actor.getSnapshot().context.cameraTrack;
      actor.send({ type: 'media.screen.start' });
      await waitFor(actor, (s) => s.matches({ live: { screen: 'sharing' } }));
      fake(actor.getSnapshot().context.screenTrack).end();
      assert.ok(actor.getSnapshot().matches({ live: { screen: 'off', camera: 'on' } }));
      assert.deepEqual(tracks.at(-1), { type: 'track', kind: 'video', track: camera });
      actor.stop();
    });

    it('keeps sending the screen through camera off and on, and null after sharing with the camera off', async () => {
      const { actor, tracks } = await live();
      actor.send({ type: 'media.screen.start' });
      await waitFor(actor, (s) => s.matches({ live: { screen: 'sharing' } }));
      tracks.length = 0;
      actor.send({ type: 'media.camera', on: false });
      actor.send({ type: 'media.camera', on: true });
      await waitFor(actor, (s) => s.matches({ live: { camera: 'on' } }));
      actor.send({ type: 'media.camera', on: false });
      assert.deepEqual(tracks, [], 'peers keep seeing the screen');
      actor.send({ type: 'media.screen.stop' });
      assert.deepEqual(tracks, [{ type: 'track', kind: 'video', track: null }]);
      actor.stop();
    });

    it('goes back to off with screenError when the picker is cancelled, without a global error', async () => {
      const { actor, gdm, errors, tracks } = await live();
      tracks.length = 0;
      gdm.failures.push('NotAllowedError');
      actor.send({ type: 'media.screen.start' });
      await waitFor(actor, (s) => s.matches({ live: { screen: 'off' } }));
      const { context } = actor.getSnapshot();
      assert.deepEqual(context.screenError, {
        name: 'NotAllowedError',
        message: 'Screen sharing was cancelled or is not allowed on this page.',
      });
      assert.equal(context.error, undefined);
      assert.deepEqual(errors, []);
      assert.deepEqual(tracks, []);
      actor.send({ type: 'media.screen.start' });
      assert.equal(actor.getSnapshot().context.screenError, undefined);
      await waitFor(actor, (s) => s.matches({ live: { screen: 'sharing' } }));
      actor.stop();
    });
  });

  describe('#devices', () => {
    it('switches the microphone: a new track in the one stream, the old one stopped, mute kept', async () => {
      const t = await live();
      const { stream } = t.actor.getSnapshot().context;
      const old = fake(t.actor.getSnapshot().context.audioTrack);
      t.actor.send({ type: 'media.mute', muted: true });
      t.tracks.length = 0;
      t.actor.send({ type: 'media.device.select', kind: 'audioinput', deviceId: 'mic-2' });
      assert.ok(t.actor.getSnapshot().matches({ live: { devices: 'switching' } }));
      await switched(t);
      const { context } = t.actor.getSnapshot();
      const mic = fake(context.audioTrack);
      assert.deepEqual(t.gum.calls.at(-1), { audio: { deviceId: { exact: 'mic-2' } }, video: false });
      assert.equal(mic.deviceId, 'mic-2');
      assert.equal(mic.enabled, false);
      assert.equal(old.readyState, 'ended');
      assert.equal(context.stream, stream);
      assert.deepEqual(tracksOf(context), [context.cameraTrack, mic]);
      assert.deepEqual(context.selected, { audioinput: 'mic-2' });
      assert.deepEqual(t.tracks, [{ type: 'track', kind: 'audio', track: mic }]);
      assert.ok(t.actor.getSnapshot().matches({ live: { mic: 'muted' } }));
      t.actor.stop();
    });

    it('switches the camera and announces the new track', async () => {
      const t = await live();
      const old = fake(t.actor.getSnapshot().context.cameraTrack);
      t.tracks.length = 0;
      t.actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' });
      await switched(t);
      const camera = fake(t.actor.getSnapshot().context.cameraTrack);
      assert.equal(camera.deviceId, 'cam-2');
      assert.equal(old.readyState, 'ended');
      assert.deepEqual(t.tracks, [{ type: 'track', kind: 'video', track: camera }]);
      t.actor.stop();
    });

    it('keeps the old track and sets deviceError when a switch fails', async () => {
      const t = await live();
      const old = fake(t.actor.getSnapshot().context.cameraTrack);
      t.tracks.length = 0;
      t.gum.failures.push('OverconstrainedError');
      t.actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-9' });
      await switched(t);
      const { context } = t.actor.getSnapshot();
      assert.equal(context.cameraTrack, old);
      assert.equal(old.readyState, 'live');
      assert.deepEqual(context.selected, {});
      assert.deepEqual(context.deviceError, {
        name: 'OverconstrainedError',
        message: 'The selected camera is not available. Choose another one, then try again.',
      });
      assert.deepEqual(t.tracks, []);
      assert.ok(t.actor.getSnapshot().matches('live'));
      t.actor.stop();
    });

    it('merges a second request into a switch in progress', async () => {
      const t = await live();
      t.actor.send({ type: 'media.device.select', kind: 'audioinput', deviceId: 'mic-2' });
      t.actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' });
      await switched(t);
      const { context } = t.actor.getSnapshot();
      assert.deepEqual(t.gum.calls.at(-1), {
        audio: { deviceId: { exact: 'mic-2' } },
        video: { deviceId: { exact: 'cam-2' } },
      });
      assert.deepEqual(context.selected, { audioinput: 'mic-2', videoinput: 'cam-2' });
      assert.equal(fake(context.audioTrack).deviceId, 'mic-2');
      assert.equal(fake(context.cameraTrack).deviceId, 'cam-2');
      t.actor.stop();
    });

    it('only remembers a camera picked while the camera is off, and uses it when it comes on', async () => {
      const t = await live();
      t.actor.send({ type: 'media.camera', on: false });
      t.actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' });
      assert.ok(t.actor.getSnapshot().matches({ live: { devices: 'idle' } }));
      assert.deepEqual(t.actor.getSnapshot().context.selected, { videoinput: 'cam-2' });
      t.actor.send({ type: 'media.camera', on: true });
      await waitFor(t.actor, (s) => s.matches({ live: { camera: 'on' } }));
      assert.equal(fake(t.actor.getSnapshot().context.cameraTrack).deviceId, 'cam-2');
      t.actor.stop();
    });

    it('keeps the device list current and falls back to the default when the device in use disappears', async () => {
      const t = await live();
      t.actor.send({ type: 'media.devices', devices: DEVICES });
      t.actor.send({ type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' });
      await switched(t);
      assert.equal(fake(t.actor.getSnapshot().context.cameraTrack).deviceId, 'cam-2');
      t.tracks.length = 0;
      const without = DEVICES.filter((device) => device.deviceId !== 'cam-2');
      t.actor.send({ type: 'media.devices', devices: without });
      assert.deepEqual(t.actor.getSnapshot().context.devices, without);
      assert.deepEqual(t.actor.getSnapshot().context.selected, {});
      assert.ok(t.actor.getSnapshot().matches({ live: { devices: 'switching' } }));
      await switched(t);
      const camera = fake(t.actor.getSnapshot().context.cameraTrack);
      assert.deepEqual(t.gum.calls.at(-1), { audio: false, video: true });
      assert.equal(camera.deviceId, 'cam-1');
      assert.deepEqual(t.tracks, [{ type: 'track', kind: 'video', track: camera }]);
      t.actor.stop();
    });

    it('ignores device lists with blank ids and lists that still hold the devices in use', async () => {
      const t = await live();
      t.actor.send({ type: 'media.devices', devices: DEVICES });
      const blank = DEVICES.map((device) => ({ ...device, deviceId: '' }));
      t.actor.send({ type: 'media.devices', devices: blank });
      assert.ok(t.actor.getSnapshot().matches({ live: { devices: 'idle' } }));
      assert.deepEqual(t.actor.getSnapshot().context.devices, blank);
      t.actor.stop();
    });

    it('lists devices before start, and forgets a selection whose device is gone', () => {
      const t = start();
      t.actor.send({ type: 'media.device.select', kind: 'audioinput', deviceId: 'mic-2' });
      t.actor.send({ type: 'media.devices', devices: DEVICES.slice(0, 1) });
      assert.deepEqual(t.actor.getSnapshot().context.devices, DEVICES.slice(0, 1));
      assert.deepEqual(t.actor.getSnapshot().context.selected, {});
      t.actor.stop();
    });
  });

  describe('#stop', () => {
    it('stops every track from live, announces null, and restarts into the same stream', async () => {
      const t = await live();
      t.actor.send({ type: 'media.screen.start' });
      await waitFor(t.actor, (s) => s.matches({ live: { screen: 'sharing' } }));
      const { context } = t.actor.getSnapshot();
      const all = [context.audioTrack, context.cameraTrack, context.screenTrack].map(fake);
      t.tracks.length = 0;
      t.actor.send({ type: 'media.stop' });
      const stopped = t.actor.getSnapshot();
      assert.ok(stopped.matches('stopped'));
      assert.deepEqual(
        all.map((track) => track.readyState),
        ['ended', 'ended', 'ended'],
      );
      assert.deepEqual(
        all.map((track) => track.listeners),
        [0, 0, 0],
      );
      assert.deepEqual(tracksOf(stopped.context), []);
      assert.deepEqual(t.tracks, [
        { type: 'track', kind: 'audio', track: null },
        { type: 'track', kind: 'video', track: null },
      ]);
      t.tracks.length = 0;
      t.actor.send({ type: 'media.start' });
      await waitFor(t.actor, (s) => s.matches('live'));
      const again = t.actor.getSnapshot().context;
      assert.equal(again.stream, context.stream);
      assert.deepEqual(tracksOf(again), [again.audioTrack, again.cameraTrack]);
      assert.deepEqual(
        t.tracks.map(({ kind }) => kind),
        ['audio', 'video'],
      );
      t.actor.stop();
    });

    it('stops a capture that completes after media.stop', async () => {
      let resolve: (stream: MediaStream) => void = () => {};
      const track = new FakeTrack('video', 'cam-1');
      const stopped = new Promise<void>((done) => {
        const stop = track.stop.bind(track);
        track.stop = () => (stop(), done());
      });
      const devices = {
        getUserMedia: () => new Promise<MediaStream>((r) => (resolve = r)),
      };
      Object.defineProperty(globalThis, 'navigator', { value: { mediaDevices: devices }, configurable: true });
      try {
        const actor = createActor(mediaMachine.provide({ actors: { deviceWatcher: inertCallback() } }), { input: {} });
        actor.start();
        actor.send({ type: 'media.start' });
        actor.send({ type: 'media.stop' });
        assert.ok(actor.getSnapshot().matches('stopped'));
        resolve(asStream(new FakeStream([track])));
        await stopped;
        assert.equal(track.readyState, 'ended');
        assert.ok(actor.getSnapshot().matches('stopped'));
        actor.stop();
      } finally {
        Reflect.deleteProperty(globalThis, 'navigator');
      }
    });
  });

  describe('#helpers and real watchers', () => {
    it('applies a device choice to constraints', () => {
      assert.deepEqual(withDevice(true, 'cam-2'), { deviceId: { exact: 'cam-2' } });
      assert.deepEqual(withDevice({ width: 640, deviceId: 'cam-1' }, null), { width: 640 });
      assert.equal(withDevice({ deviceId: 'cam-1' }, null), true);
      assert.deepEqual(withDevice({ deviceId: 'cam-1' }, undefined), { deviceId: 'cam-1' });
      assert.equal(withDevice(false, 'cam-2'), false);
      assert.equal(withDevice(true, undefined), true);
    });

    it('finds the devices in use that disappeared', () => {
      const audioTrack = new FakeTrack('audio', 'mic-2') as unknown as MediaStreamTrack;
      const cameraTrack = new FakeTrack('video', 'cam-2') as unknown as MediaStreamTrack;
      assert.deepEqual(goneDevices({ audioTrack, cameraTrack }, DEVICES), []);
      assert.deepEqual(goneDevices({ audioTrack, cameraTrack }, DEVICES.slice(0, 3)), ['videoinput']);
      assert.deepEqual(goneDevices({ audioTrack, cameraTrack }, []), ['audioinput', 'videoinput']);
      assert.deepEqual(goneDevices({}, []), []);
    });

    it('says what to send: the screen over the camera', () => {
      const audioTrack = new FakeTrack('audio', 'mic-1') as unknown as MediaStreamTrack;
      const cameraTrack = new FakeTrack('video', 'cam-1') as unknown as MediaStreamTrack;
      const screenTrack = new FakeTrack('video', 'screen:0') as unknown as MediaStreamTrack;
      assert.deepEqual(sentTracks({ audioTrack, cameraTrack }), { audio: audioTrack, video: cameraTrack });
      assert.deepEqual(sentTracks({ cameraTrack, screenTrack }), { audio: null, video: screenTrack });
      assert.deepEqual(sentTracks({}), { audio: null, video: null });
    });

    it('deviceWatcher reports the list at start and on devicechange, and stops listening on stop', async () => {
      let list: MediaDeviceInfo[] = [];
      const media = Object.assign(new EventTarget(), { enumerateDevices: async () => list });
      let listening = 0;
      const add = media.addEventListener.bind(media);
      const remove = media.removeEventListener.bind(media);
      media.addEventListener = (...args: Parameters<EventTarget['addEventListener']>) => (listening++, add(...args));
      media.removeEventListener = (...args: Parameters<EventTarget['removeEventListener']>) => (
        listening--,
        remove(...args)
      );
      Object.defineProperty(globalThis, 'navigator', { value: { mediaDevices: media }, configurable: true });
      const seen: MediaEvent[] = [];
      let arrived = (): void => {};
      const next = () => new Promise<void>((resolve) => (arrived = resolve));
      try {
        const parent = createActor(
          createMachine({
            invoke: { src: deviceWatcherActor },
            on: {
              'media.devices': {
                actions: ({ event }) => {
                  seen.push(event as MediaEvent);
                  arrived();
                },
              },
            },
          }),
        );
        list = DEVICES.slice(0, 1).map((device) => ({ ...device, toJSON: () => device }));
        let arrival = next();
        parent.start();
        await arrival;
        list = DEVICES.map((device) => ({ ...device, toJSON: () => device }));
        arrival = next();
        media.dispatchEvent(new Event('devicechange'));
        await arrival;
        assert.deepEqual(seen, [
          { type: 'media.devices', devices: DEVICES.slice(0, 1) },
          { type: 'media.devices', devices: DEVICES },
        ]);
        assert.equal(listening, 1);
        parent.stop();
        assert.equal(listening, 0);
      } finally {
        Reflect.deleteProperty(globalThis, 'navigator');
      }
    });

    it('trackWatcher tells which source ended, and removes its listeners on stop', () => {
      const mic = new FakeTrack('audio', 'mic-1');
      const camera = new FakeTrack('video', 'cam-1');
      const screen = new FakeTrack('video', 'screen:0');
      const seen: EventObject[] = [];
      const parent = createActor(
        createMachine({
          invoke: {
            src: trackWatcherActor,
            input: {
              tracks: [mic, camera, screen] as unknown as MediaStreamTrack[],
              screenTrack: screen as unknown as MediaStreamTrack,
            },
          },
          on: { 'media.track.ended': { actions: ({ event }) => seen.push(event) } },
        }),
      );
      parent.start();
      mic.end();
      camera.end();
      screen.end();
      assert.deepEqual(seen, [
        { type: 'media.track.ended', kind: 'audio', source: 'mic' },
        { type: 'media.track.ended', kind: 'video', source: 'camera' },
        { type: 'media.track.ended', kind: 'video', source: 'screen' },
      ]);
      parent.stop();
      assert.deepEqual(
        [mic, camera, screen].map((track) => track.listeners),
        [0, 0, 0],
      );
    });

    it('getUserMedia reports a missing navigator.mediaDevices as NotSupportedError', async () => {
      const actor = createActor(getUserMediaActor, { input: { constraints: { audio: true } } });
      const failed = new Promise<unknown>((resolve) => actor.subscribe({ error: resolve }));
      actor.start();
      const error = await failed;
      assert.equal(describeMediaError(error).name, 'NotSupportedError');
    });
  });

  describe('#model', () => {
    afterEach(() => Reflect.deleteProperty(globalThis, 'navigator'));

    it('covers every state and transition (model-based)', () => {
      const never = <TInput>() => fromPromise<MediaStream, TInput>(() => new Promise(() => {}));
      const machine = mediaMachine.provide({
        actors: {
          getUserMedia: never<GetUserMediaInput>(),
          getDisplayMedia: never<GetDisplayMediaInput>(),
          deviceWatcher: inertCallback(),
          trackWatcher: inertCallback<TrackWatcherInput>(),
        },
      });
      // The model sends every sample in every state, including `xstate.error.actor.<id>` where no such actor runs.
      // XState turns an unhandled error event into an error of the whole actor, reported later from a timer; in a
      // real run only a running child sends one, so here a stray one is dropped instead.
      const transition = machine.transition.bind(machine);
      machine.transition = (snapshot, event, scope) => {
        const next = transition(snapshot, event, scope);
        return next.status === 'error' && event.type.startsWith('xstate.error.actor.') ? snapshot : next;
      };
      /** A done event whose output is a fresh stream each time it is read: replays must not share tracks. */
      const done = (id: string, ...tracks: [kind: 'audio' | 'video', deviceId: string][]): EventObject =>
        Object.defineProperty({ type: `xstate.done.actor.${id}` }, 'output', {
          enumerable: true,
          get: () => asStream(new FakeStream(tracks.map(([kind, deviceId]) => new FakeTrack(kind, deviceId)))),
        });
      // Plain objects (not DOMExceptions) so the model tells the errors apart when it serializes events.
      const failed = (id: string, name: string): EventObject & { error: unknown } => ({
        type: `xstate.error.actor.${id}`,
        error: { name, message: name },
      });
      const events: AnyEventObject[] = [
        done('acquire', ['audio', 'mic-1'], ['video', 'cam-1']),
        done('acquire', ['audio', 'mic-1']),
        failed('acquire', 'NotAllowedError'),
        failed('acquire', 'NotFoundError'),
        failed('acquire', 'NotReadableError'),
        failed('acquire', 'TypeError'),
        done('startCamera', ['video', 'cam-1']),
        failed('startCamera', 'NotReadableError'),
        done('shareScreen', ['video', 'screen:0']),
        failed('shareScreen', 'NotAllowedError'),
        done('switchDevice', ['audio', 'mic-2'], ['video', 'cam-2']),
        failed('switchDevice', 'OverconstrainedError'),
        { type: 'media.mute', muted: true },
        { type: 'media.mute', muted: false },
        { type: 'media.camera', on: false },
        { type: 'media.camera', on: true },
        { type: 'media.device.select', kind: 'audioinput', deviceId: 'mic-2' },
        { type: 'media.device.select', kind: 'videoinput', deviceId: 'cam-2' },
        { type: 'media.devices', devices: DEVICES },
        { type: 'media.devices', devices: [] },
        { type: 'media.track.ended', kind: 'audio', source: 'mic' },
        { type: 'media.track.ended', kind: 'video', source: 'camera' },
        { type: 'media.track.ended', kind: 'video', source: 'screen' },
      ];
      let checked = 0;
      const coverage = coverModel({
        machine,
        input: {},
        events,
        // Invariants the state value alone does not show.
        check: (snapshot) => {
          if (!snapshot.matches('live')) return;
          checked++;
          const context = snapshot.context as MediaContext;
          assert.equal(context.muted, snapshot.matches({ live: { mic: 'muted' } }), 'muted mirrors the mic region');
          assert.equal(context.cameraTrack !== undefined, snapshot.matches({ live: { camera: 'on' } }), 'camera');
          assert.equal(context.screenTrack !== undefined, snapshot.matches({ live: { screen: 'sharing' } }), 'screen');
          const { audio, video } = sentTracks(context);
          assert.deepEqual(
            new Set(tracksOf(context)),
            new Set([audio, video].filter(Boolean)),
            'the stream holds what is sent',
          );
          assert.deepEqual(context.sent, { audio, video }, 'what was announced is what is sent');
        },
      });
      console.log(formatCoverage(coverage));
      assert.ok(checked > 0);
      assert.deepEqual(coverage.states.missing, []);
      assert.deepEqual(coverage.transitions.missing, []);
    });
  });
});
