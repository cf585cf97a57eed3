// <rtc-inspector>'s body (src/components/inspector/panel.ts: statecharts, timeline, lane) is loaded with a dynamic
// import, so that the kit does not carry it. In dist/ it is its own file, dist/rtc-inspector.js, next to
// dist/rtc-kit.js: this esbuild plugin keeps the import out of the kit bundle and points it there. The panel imports
// nothing at run time that the kit has (Lit's tags are handed to it), so the two files share no code.

/** The panel's source, and the file it becomes in dist/. */
export const INSPECTOR_ENTRY = { 'rtc-inspector': 'src/components/inspector/panel.ts' };

/** @returns {import('esbuild').Plugin} */
export function inspectorChunk() {
  return {
    name: 'rtc-inspector-chunk',
    setup(build) {
      build.onResolve({ filter: /^\.\/panel\.js$/ }, (args) =>
        args.importer.replaceAll('\\', '/').endsWith('src/components/inspector/inspector.ts') &&
        args.kind === 'dynamic-import'
          ? { path: './rtc-inspector.js', external: true }
          : undefined,
      );
    },
  };
}
