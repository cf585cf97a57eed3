/**
 * Where the stories' calls connect. `npm run storybook` runs an rtc-relay on port 8787; a page that hosts the
 * stories elsewhere (test/browser/stories.test.ts, a screenshot script) points them at its own relay by setting
 * `globalThis.__RTC_STORY_SERVER__` before a story renders.
 *
 * @module
 */

/** The relay `npm run storybook` starts. */
export const DEFAULT_STORY_SERVER = 'ws://localhost:8787/signal';

/**
 * The relay URL stories use.
 *
 * @example
 * html`<rtc-call server=${storyServer()} room="standup" autojoin></rtc-call>`;
 */
export function storyServer(): string {
  return (globalThis as { __RTC_STORY_SERVER__?: string }).__RTC_STORY_SERVER__ ?? DEFAULT_STORY_SERVER;
}

const rooms = new Map<string, string>();

/**
 * A room for one story, the same each time that story renders in this page (changing a control re-renders it
 * without moving the call), and different in every page, so two tabs showing a story do not join each other.
 *
 * @example
 * storyRoom('elements-rtc-call--in-call'); // 'elements-rtc-call--in-call-3f9a1c2e'
 */
export function storyRoom(storyId: string): string {
  let room = rooms.get(storyId);
  if (!room) {
    const base = storyId.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 50) || 'story';
    room = `${base}-${crypto.randomUUID().slice(0, 8)}`;
    rooms.set(storyId, room);
  }
  return room;
}
