import type { ConsentSnapshot, ConsentSubject } from './consent-subject.js';
import type { ConsentWriteRequest } from './consent-write-plan.js';

/**
 * Writes a decision, its audit event and its category index rows atomically, serialised per subject so
 * each chain stays linear. Bound at boot by the database type: a lean PostgreSQL writer, or the portable
 * TypeORM one for MariaDB/MySQL and SQLite.
 */
export abstract class ConsentWriter {
  /** Plans under the subject's serialisation and writes; returns the subject's snapshot afterwards. */
  abstract write(request: ConsentWriteRequest): Promise<ConsentSnapshot | null>;

  /** Drops whatever the writer keeps in memory about the subject (after erasure). */
  abstract forget(subject: ConsentSubject): void;
}
