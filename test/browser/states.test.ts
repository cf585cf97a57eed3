import { expect } from '@open-wc/testing';
import { internalsOf, setState } from '../../src/components/states.js';

/** A CustomStateSet as Chromium 90–124 had it: only dashed names, a plain one throws. */
class DashedOnlyStates extends Set<string> {
  override add(name: string): this {
    if (!name.startsWith('--')) throw new DOMException(`'${name}' is not a valid custom state`, 'SyntaxError');
    return super.add(name);
  }
}

describe('setState (CSS custom states where the browser has them)', () => {
  it('sets and clears a plain state, which :state() matches', () => {
    class Host extends HTMLElement {
      readonly internals = internalsOf(this);
    }
    customElements.define('states-host', Host);
    const host = document.createElement('states-host') as Host;
    document.body.append(host);
    setState(host.internals, 'speaking', true);
    expect(host.matches(':state(speaking)')).to.equal(true);
    setState(host.internals, 'speaking', false);
    expect(host.matches(':state(speaking)')).to.equal(false);
    host.remove();
  });

  it('falls back to the dashed name where only that is accepted (Chromium 90–124)', () => {
    const states = new DashedOnlyStates();
    const internals = { states } as unknown as ElementInternals;
    setState(internals, 'speaking', true);
    expect([...states]).to.deep.equal(['--speaking']);
    setState(internals, 'speaking', false);
    expect([...states]).to.deep.equal([]);
  });

  it('does nothing, and never throws, without ElementInternals or CustomStateSet (Safari before 17.4)', () => {
    expect(() => setState(undefined, 'speaking', true)).to.not.throw();
    expect(() => setState({} as ElementInternals, 'speaking', true)).to.not.throw();
    const host = document.createElement('div');
    Object.defineProperty(host, 'attachInternals', { value: undefined });
    expect(internalsOf(host)).to.equal(undefined);
  });
});
