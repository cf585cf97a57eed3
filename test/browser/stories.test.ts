// Renders every story in stories/*.stories.ts, as Storybook would, against the test relay, and runs its play
// function, which waits for the state the story shows (in call, muted, reconnecting, camera denied…). A story
// passes when it gets there without an error thrown or logged, and leaves nothing behind when it unmounts.
import { expect } from '@open-wc/testing';
import { nothing, render } from 'lit';
import * as callStories from '../../stories/call.stories.js';
import * as chatStories from '../../stories/chat.stories.js';
import * as controlsStories from '../../stories/controls.stories.js';
import * as inspectorStories from '../../stories/inspector.stories.js';
import * as statsStories from '../../stories/stats.stories.js';
import * as themingStories from '../../stories/theming.stories.js';
import * as videoStories from '../../stories/video.stories.js';
import type { RtcCall } from '../../src/components/index.js';
import { relayUrl } from './commands.js';

/** Every story file. A new one goes here too: .storybook/main.ts shows stories/**\/*.stories.ts. */
const STORY_FILES = {
  'call.stories.ts': callStories,
  'video.stories.ts': videoStories,
  'controls.stories.ts': controlsStories,
  'chat.stories.ts': chatStories,
  'stats.stories.ts': statsStories,
  'inspector.stories.ts': inspectorStories,
  'theming.stories.ts': themingStories,
};

type Args = Record<string, unknown>;
type Cleanup = () => void | Promise<void>;
/** The parts of Storybook's story context the stories use. */
interface Context {
  id: string;
  name: string;
  title: string;
  args: Args;
  parameters: Record<string, unknown>;
  canvasElement: HTMLElement;
  abortSignal: AbortSignal;
  viewMode: 'story';
}
type Hook = (context: Context) => void | Cleanup | Promise<void | Cleanup>;
/** CSF annotations, as a meta (default export) or a story (named export) has them. */
interface Annotations {
  title?: string;
  name?: string;
  args?: Args;
  parameters?: Record<string, unknown>;
  beforeEach?: Hook | Hook[];
  render?: (args: Args, context: Context) => unknown;
  play?: (context: Context) => unknown;
}

const hooks = (beforeEach: Hook | Hook[] | undefined): Hook[] =>
  beforeEach === undefined ? [] : Array.isArray(beforeEach) ? beforeEach : [beforeEach];

/** Storybook's id of a story: `Elements/rtc-call` + `InCall` → `elements-rtc-call--in-call`. */
const storyId = (title: string, exportName: string): string => {
  const slug = (text: string) =>
    text
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  return `${slug(title)}--${slug(exportName)}`;
};

/** What went wrong on the page while a story ran: errors thrown, rejections unhandled, console.error calls. */
function watchErrors(): { problems: string[]; stop: () => void } {
  const problems: string[] = [];
  const onError = (event: ErrorEvent) => problems.push(`uncaught: ${event.message}`);
  const onRejection = (event: PromiseRejectionEvent) => problems.push(`unhandled rejection: ${String(event.reason)}`);
  const consoleError = console.error;
  console.error = (...data: unknown[]) => {
    problems.push(`console.error: ${data.map(String).join(' ')}`);
    consoleError.apply(console, data);
  };
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  return {
    problems,
    stop: () => {
      console.error = consoleError;
      window.removeEventListener('error', onError);
      window.removeEventListener('unhandledrejection', onRejection);
    },
  };
}

before(async () => {
  (globalThis as { __RTC_STORY_SERVER__?: string }).__RTC_STORY_SERVER__ = await relayUrl();
});

for (const [file, module] of Object.entries(STORY_FILES)) {
  const meta = module.default as Annotations;
  const stories = Object.entries(module).filter(([name]) => name !== 'default') as [string, Annotations][];

  describe(`${file} (${meta.title})`, () => {
    it('has stories, each with a play function that waits for the state it shows', () => {
      expect(stories.length).to.be.greaterThan(0);
      for (const [name, story] of stories) expect(story.play ?? meta.play, name).to.be.a('function');
    });

    for (const [exportName, story] of stories) {
      it(`renders ${story.name ?? exportName}`, async function () {
        this.timeout(45_000);
        const title = meta.title ?? file;
        const canvasElement = document.createElement('div');
        canvasElement.id = 'storybook-root';
        document.body.append(canvasElement);
        const abort = new AbortController();
        const context: Context = {
          id: storyId(title, exportName),
          name: story.name ?? exportName,
          title,
          args: { ...meta.args, ...story.args },
          parameters: { ...meta.parameters, ...story.parameters },
          canvasElement,
          abortSignal: abort.signal,
          viewMode: 'story',
        };
        const realWebSocket = globalThis.WebSocket;
        const errors = watchErrors();
        const cleanups: Cleanup[] = [];
        let calls: RtcCall[];
        try {
          for (const hook of [...hooks(meta.beforeEach), ...hooks(story.beforeEach)]) {
            const cleanup = await hook(context);
            if (cleanup) cleanups.push(cleanup);
          }
          const renderStory = story.render ?? meta.render;
          if (!renderStory) throw new Error(`${exportName} has no render function`);
          const rendered = renderStory(context.args, context);
          if (rendered instanceof Node) canvasElement.append(rendered);
          else render(rendered, canvasElement);
          await (story.play ?? meta.play)?.(context);
        } finally {
          abort.abort();
          calls = [...canvasElement.querySelectorAll('rtc-call')];
          for (const cleanup of cleanups.reverse()) await cleanup();
          render(nothing, canvasElement);
          canvasElement.remove();
          // An <rtc-call> leaves and drops its call actor on the microtask after it is removed.
          await new Promise((resolve) => setTimeout(resolve));
          errors.stop();
        }
        expect(
          calls.filter((call) => call.actor !== undefined).map((call) => call.name),
          'calls still running after unmounting',
        ).to.deep.equal([]);
        expect(globalThis.WebSocket === realWebSocket, 'WebSocket restored').to.equal(true);
        expect(
          Object.getOwnPropertyDescriptor(navigator.mediaDevices, 'getUserMedia'),
          'getUserMedia restored',
        ).to.equal(undefined);
        expect(errors.problems, 'errors while the story ran').to.deep.equal([]);
      });
    }
  });
}
