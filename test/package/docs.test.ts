/**
 * The code samples in README.md and docs/*.md compile: each ```ts and ```js block is type-checked with `tsc`,
 * strict, against the built package as an app imports it (`rtc-kit/…` through package.json "exports").
 *
 * A sample may be preceded by an HTML comment that the rendered docs do not show:
 * - `<!-- docs-check: prelude … -->`: declarations the sample assumes (`declare const call: Call;`), put before it;
 * - `<!-- docs-check: in test/browser -->`: check it as a file of that folder (samples of the test helpers).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

interface Sample {
  doc: string;
  /** Line of the sample's first line of code in `doc`. */
  line: number;
  file: string;
  /** Lines of prelude before the code in `file`. */
  offset: number;
}

const DOCS = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const FENCE = /(?:<!--\s*docs-check:([\s\S]*?)-->\s*\n)?```(ts|js)\n([\s\S]*?)```/g;

/** Writes every sample to a file of its own and returns where each came from. */
function extract(dir: string): Sample[] {
  const samples: Sample[] = [];
  for (const doc of DOCS) {
    const text = readFileSync(doc, 'utf8');
    for (const match of text.matchAll(FENCE)) {
      const [, directive = '', lang, code = ''] = match;
      const fence = match.index + match[0].indexOf('```');
      const line = text.slice(0, fence).split('\n').length + 1;
      const inDir = /^\s*in\s+(\S+)/.exec(directive)?.[1];
      const prelude = /^\s*prelude\s+([\s\S]*)$/.exec(directive)?.[1]?.trim() ?? '';
      const name = `docs-check-${doc.replace(/\W/g, '-')}-${line}.${lang === 'ts' ? 'ts' : 'js'}`;
      const file = resolve(inDir ?? dir, name);
      // `export {}` makes each sample a module of its own: no sample sees another's names.
      const head = prelude ? `${prelude}\n` : '';
      writeFileSync(file, `${head}${code}export {};\n`);
      samples.push({ doc, line, file, offset: head ? head.split('\n').length - 1 : 0 });
    }
  }
  return samples;
}

describe('docs samples', () => {
  it('every ts and js sample in README.md and docs/ type-checks against the package', () => {
    const dir = resolve('.docs-check');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const samples = extract(dir);
    try {
      assert.ok(samples.length >= 10, `found only ${samples.length} samples`);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            lib: ['ES2023', 'DOM', 'DOM.Iterable'],
            types: ['node', 'mocha'],
            strict: true,
            skipLibCheck: true,
            noEmit: true,
            allowJs: true,
            checkJs: true,
          },
          files: samples.map((s) => s.file),
        }),
      );
      let output = '';
      try {
        execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(dir, 'tsconfig.json')], {
          encoding: 'utf8',
        });
      } catch (error) {
        output = (error as { stdout?: string }).stdout ?? String(error);
      }
      // Each error, at its place in the docs: "docs/data.md:61: error TS2339: …".
      const errors = output
        .split('\n')
        .filter((l) => /error TS\d+/.test(l))
        .map((l) => {
          const [, path = '', row = '0', rest = l] = /^(.*?)\((\d+),\d+\): (.*)$/.exec(l) ?? [];
          const sample = samples.find((s) => resolve(path) === s.file || relative(process.cwd(), s.file) === path);
          return sample ? `${sample.doc}:${sample.line + Number(row) - 1 - sample.offset}: ${rest}` : l;
        });
      assert.deepEqual(errors, [], `samples that do not compile:\n${errors.join('\n')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const s of samples) rmSync(s.file, { force: true });
    }
  });
});

/** The public property names of each of `names`, as the built declarations of `file` give them. */
function publicNames(file: string, names: string[]): Record<string, string[]> {
  const program = ts.createProgram([file], { strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const module = checker.getSymbolAtLocation(source)!;
  const exports = checker.getExportsOfModule(module);
  return Object.fromEntries(
    names.map((name) => {
      const symbol = exports.find((e) => e.name === name);
      assert.ok(symbol, `${file} exports no ${name}`);
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      const props = checker
        .getPropertiesOfType(type)
        .filter((p) => !p.name.startsWith('#') && !p.name.startsWith('__'))
        .filter(
          (p) => !ts.getJSDocTags(p.valueDeclaration ?? p.declarations![0]!).some((t) => t.tagName.text === 'internal'),
        );
      return [name, props.map((p) => p.name)];
    }),
  );
}

describe('docs/engine.md', () => {
  it('names every option of createCall, member of Call and event of call.on', () => {
    const doc = readFileSync('docs/engine.md', 'utf8');
    const api = publicNames('dist/lib/src/call.d.ts', ['CreateCallOptions', 'Call', 'CallEventMap']);
    const missing = Object.entries(api).flatMap(([type, names]) =>
      names.filter((name) => !doc.includes(`\`${name}`) && !doc.includes(`.${name}`)).map((name) => `${type}.${name}`),
    );
    assert.deepEqual(missing, [], `docs/engine.md does not mention: ${missing.join(', ')}`);
  });
});
