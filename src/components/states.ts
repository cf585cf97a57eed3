/**
 * Custom CSS states (`:state(name)`) through `ElementInternals.states`, where the browser has them.
 *
 * - Chromium 125+, Firefox 126+ and Safari 17.4+ take plain names: `states.add('speaking')`.
 * - Chromium 90–124 knew only the older dashed form, and threw on a plain name: there the state is set as
 *   `--speaking` (`:--speaking` in CSS), and nothing throws.
 * - A browser without `CustomStateSet` (Safari before 17.4) gets no CSS state: the elements still work, and
 *   `<rtc-call>` reflects its state as the `state` attribute too.
 */
export function setState(internals: ElementInternals | undefined, name: string, on: boolean): void {
  const states = internals?.states as Set<string> | undefined;
  if (!states) return;
  if (!on) {
    // Deleting never throws: clear both forms, whichever was set.
    states.delete(name);
    states.delete(`--${name}`);
    return;
  }
  try {
    states.add(name);
  } catch {
    states.add(`--${name}`);
  }
}

/** `host.attachInternals()`, or `undefined` where the browser has no ElementInternals (Safari before 16.4). */
export function internalsOf(host: HTMLElement): ElementInternals | undefined {
  return typeof host.attachInternals === 'function' ? host.attachInternals() : undefined;
}
