import type { ConsentSnapshot } from './consent-subject.js';

/**
 * Port through which a user's changed decision reaches the user's other sessions (`req.session.consent`),
 * so the gate reads no SQL per request. The session feature binds it; when nothing is bound the gate reads
 * the user's current record on each request of a signed-in user instead (correct, one indexed read).
 */
export abstract class ConsentSessionSync {
  /** Writes the snapshot (or `null` after erasure) into every live session of the user. */
  abstract pushUserConsent(userId: string, snapshot: ConsentSnapshot | null): Promise<void>;
}
