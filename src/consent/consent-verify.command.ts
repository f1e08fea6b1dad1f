import type { INestApplicationContext } from '@nestjs/common';
import { ConsentService } from './consent.service.js';

/**
 * `consent:verify` for a CLI: verifies every audit chain, then signs each chain's head (tail-truncation
 * detection) and prints a digest to keep outside the database. Returns the process exit code (0 = every
 * chain verifies, 1 = a chain is broken).
 */
export async function runConsentVerify(app: INestApplicationContext, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const consent = app.get(ConsentService);
  const report = await consent.verify();
  if (!report.ok) {
    if (report.broken > 0) out(`BROKEN: ${report.broken} of ${report.subjects} chain(s) fail; first: ${report.subjectType}/${report.subjectId} at seq ${report.brokenAt} (${report.reason}).`);
    if (report.strayCategoryRows) out(`BROKEN: ${report.strayCategoryRows} row(s) of the category side table belong to no event.`);
    return 1;
  }
  out(`OK: ${report.subjects} chain(s), ${report.checked} event(s) verify.`);
  const checkpoint = await consent.checkpoint();
  out(`Checkpoint ${checkpoint.at}: ${checkpoint.subjects} head(s) signed; digest ${checkpoint.digest} (keep it outside the database).`);
  return 0;
}
