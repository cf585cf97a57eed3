/**
 * custom-elements.json tells the whole truth: every CSS part, `--rtc-*` custom property and CSS state an element's
 * own files use is declared on it (the manifest is generated from the JSDoc, so an undeclared one is invisible to
 * Storybook, IDEs and the docs). Run after `npm run build`, which generates the manifest.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

interface Declaration {
  tagName?: string;
  cssParts?: { name: string }[];
  cssProperties?: { name: string }[];
  cssStates?: { name: string }[];
}
const manifest = JSON.parse(readFileSync('custom-elements.json', 'utf8')) as {
  modules: { path: string; declarations?: Declaration[]; exports?: { kind: string; name: string }[] }[];
};
/** The source of a shipped module: `dist/lib/src/components/call/call.js` → `src/components/call/call.ts`. */
const sourceOf = (path: string): string => path.replace(/^dist\/lib\/(src\/.*)\.js$/, '$1.ts');
const elements = manifest.modules.flatMap((module) =>
  (module.declarations ?? [])
    .filter((d) => d.tagName)
    .map((declaration) => ({ path: sourceOf(module.path), declaration, exports: module.exports ?? [] })),
);

/** What an element's own folder uses: parts in templates, custom properties in styles, states it sets. */
function used(dir: string): { parts: Set<string>; properties: Set<string>; states: Set<string> } {
  const text = readdirSync(dir)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => readFileSync(join(dir, file), 'utf8'))
    .join('\n');
  const parts = new Set([...text.matchAll(/part="([^"$]+)"/g)].flatMap((m) => m[1]!.split(/\s+/)));
  const properties = new Set([...text.matchAll(/var\((--rtc-[a-z0-9-]+)/g)].map((m) => m[1]!));
  const states = new Set([
    ...[...text.matchAll(/setState\([^,]+,\s*'([a-z-]+)'/g)].map((m) => m[1]!),
    ...[...text.matchAll(/states\.add\('([a-z-]+)'\)/g)].map((m) => m[1]!),
    // <rtc-call> sets one state per name of its STATES list.
    ...[...(/const STATES[^=]*=\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '').matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!),
  ]);
  return { parts, properties, states };
}

describe('custom-elements.json', () => {
  it('lists the six elements, at the modules they are defined in', () => {
    assert.deepEqual(elements.map((e) => e.declaration.tagName).sort(), [
      'rtc-call',
      'rtc-chat',
      'rtc-controls',
      'rtc-inspector',
      'rtc-stats',
      'rtc-video',
    ]);
  });

  it('points at the files the package ships, and defines each tag', () => {
    for (const module of manifest.modules) assert.ok(existsSync(module.path), `${module.path} is not built`);
    for (const { declaration, exports } of elements)
      assert.ok(
        exports.some((e) => e.kind === 'custom-element-definition' && e.name === declaration.tagName),
        `no custom-element-definition for <${declaration.tagName}>`,
      );
  });

  for (const { path, declaration } of elements)
    it(`declares every part, custom property and state <${declaration.tagName}> uses`, () => {
      const { parts, properties, states } = used(dirname(path));
      const declared = (list?: { name: string }[]): Set<string> => new Set((list ?? []).map((item) => item.name));
      const missing = (names: Set<string>, list?: { name: string }[]): string[] =>
        [...names].filter((name) => !declared(list).has(name)).sort();
      assert.deepEqual(missing(parts, declaration.cssParts), [], 'parts without @csspart');
      assert.deepEqual(missing(properties, declaration.cssProperties), [], 'custom properties without @cssprop');
      assert.deepEqual(missing(states, declaration.cssStates), [], 'states without @cssstate');
    });
});
