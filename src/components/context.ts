import { createContext } from '@lit/context';
import type { Call } from '../call.js';

/** The call an `<rtc-call>` provides to the elements inside it. */
export const callContext = createContext<Call | undefined>(Symbol.for('rtc-kit/call'));
