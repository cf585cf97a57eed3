import type { Call } from '../call.js';

/**
 * The call an element shows: the one named by its `call` attribute (the id of an `<rtc-call>`), else the one
 * provided by the `<rtc-call>` it is inside.
 */
export function findCall(host: Element, id: string, fromContext: Call | undefined): Call | undefined {
  if (!id) return fromContext;
  const element = (host.getRootNode() as Document | ShadowRoot).getElementById?.(id) ?? document.getElementById(id);
  return (element as { provided?: Call } | null)?.provided;
}
