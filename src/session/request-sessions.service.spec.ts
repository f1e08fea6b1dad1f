import { describe, expect, it } from '@jest/globals';
import { resolveOptions } from '../auth-consent.options.js';
import { SystemClock } from '../common/clock.js';
import { MemorySessionBackend } from './memory-session.backend.js';
import { RequestSessions } from './request-sessions.service.js';
import { SessionCookie } from './session-cookie.js';

const SECRET = 'a-session-secret-that-is-long-enough-0123';
const OLD = 'an-older-secret-that-is-also-long-enough-01';

function sessions(secrets: string[]): RequestSessions {
  const clock = new SystemClock();
  return new RequestSessions(resolveOptions({ environment: 'test', session: { secret: secrets } }), new MemorySessionBackend(clock), clock);
}

describe('RequestSessions.identify (the verified-cookie memo)', () => {
  const current = sessions([SECRET, OLD]);
  const issued = (secret: string, id: string) => new SessionCookie('sid', [secret], false).serialize(id, undefined).split(';')[0];

  it('remembers a cookie whose signature verified, and serves it again without verifying', () => {
    const first = current.identify(issued(SECRET, 'id-1'));
    expect(first).toMatchObject({ id: 'id-1', rotated: false });
    expect(current.identify(`other=1; ${issued(SECRET, 'id-1')}`)).toBe(first);
  });

  it('never remembers a forged value: a forgery stays refused however often it comes', () => {
    const forged = issued('a-forger-secret-that-is-long-enough-012345', 'id-2');
    expect(current.identify(forged)).toBeUndefined();
    expect(current.identify(forged)).toBeUndefined();
  });

  it('marks a cookie verified by a secret being rotated out, so it is re-issued', () => {
    expect(current.identify(issued(OLD, 'id-3'))).toMatchObject({ id: 'id-3', rotated: true });
  });

  it('stays bounded: the oldest entries go first', () => {
    const bounded = sessions([SECRET]);
    const oldest = bounded.identify(issued(SECRET, 'oldest'));
    for (let i = 0; i < 10_000; i++) bounded.identify(issued(SECRET, `id-${i}`));
    // Verified afresh (a new object): the first entry was dropped.
    expect(bounded.identify(issued(SECRET, 'oldest'))).not.toBe(oldest);
    expect(bounded.identify(issued(SECRET, 'oldest'))).toEqual(oldest);
  });
});
