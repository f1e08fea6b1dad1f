import type { INestApplicationContext } from '@nestjs/common';
import { ConsentAuditService, type ConsentVerifyProgress } from './consent-audit.service.js';
import { ConsentService } from './consent.service.js';

/** Where `consent:verify` shows its progress: a terminal gets a bar redrawn in place, anything else count lines. */
export interface ConsentVerifyProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Redraws of the bar at most this often. */
const BAR_EVERY_MS = 200;
const BAR_WIDTH = 24;

/**
 * The progress of a verify: on a TTY a bar (`[#####-----]  45%  90,000/200,000 chains  452,114 events  6,210/s`)
 * redrawn in place; otherwise one count line (`Verified 20,000 of 200,000 chain(s), 100,000 event(s)`) at each
 * tenth of the chains counted at the start, so a log shows the walk moving without a line per batch.
 */
export function verifyProgressReporter(
  stream: ConsentVerifyProgressStream,
  total: number,
  now: () => number = Date.now,
): { update(p: ConsentVerifyProgress): void; end(p: ConsentVerifyProgress): void } {
  const started = now();
  const n = (x: number) => x.toLocaleString('en');
  let drawn = 0;
  let tenth = 0;
  const bar = (p: ConsentVerifyProgress) => {
    const of = Math.max(total, p.subjects);
    const ratio = of === 0 ? 1 : p.subjects / of;
    const filled = Math.round(ratio * BAR_WIDTH);
    const rate = Math.round(p.subjects / Math.max((now() - started) / 1000, 0.001));
    const broken = p.broken > 0 ? `  ${n(p.broken)} broken` : '';
    const line = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%  ${n(p.subjects)}/${n(of)} chains  ${n(p.checked)} events  ${n(rate)}/s${broken}`;
    return line.slice(0, Math.max((stream.columns || 100) - 1, 20));
  };
  const count = (p: ConsentVerifyProgress) =>
    `Verified ${n(p.subjects)} of ${n(Math.max(total, p.subjects))} chain(s), ${n(p.checked)} event(s)${p.broken > 0 ? `, ${n(p.broken)} broken` : ''}.\n`;
  return {
    update(p) {
      if (stream.isTTY) {
        if (now() - drawn < BAR_EVERY_MS) return;
        drawn = now();
        stream.write(`\r${bar(p)}\u001b[K`);
        return;
      }
      const at = total === 0 ? 0 : Math.floor((p.subjects * 10) / total);
      if (at > tenth && at < 10) {
        tenth = at;
        stream.write(count(p));
      }
    },
    end(p) {
      stream.write(stream.isTTY ? `\r${bar(p)}\u001b[K\n` : count(p));
    },
  };
}

/** Options of {@link runConsentVerify}. */
export interface ConsentVerifyCliOptions {
  /** Where progress goes (default standard output): a bar when it is a TTY, count lines otherwise. */
  progress?: ConsentVerifyProgressStream;
  /** Event rows read per step (default 10,000): the walk's memory is bounded by it. */
  rows?: number;
}

/**
 * `consent:verify` for a CLI: verifies every audit chain (streamed in bounded memory, with progress: a bar on
 * a terminal, count lines otherwise), then signs each chain's head (tail-truncation detection) and prints a
 * digest to keep outside the database. Returns the process exit code (0 = every chain verifies, 1 = a chain
 * is broken).
 */
export async function runConsentVerify(
  app: INestApplicationContext,
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  options: ConsentVerifyCliOptions = {},
): Promise<number> {
  const consent = app.get(ConsentService);
  const total = await app.get(ConsentAuditService).countChains();
  const reporter = verifyProgressReporter(options.progress ?? process.stdout, total);
  let last: ConsentVerifyProgress = { subjects: 0, checked: 0, broken: 0 };
  const onProgress = (p: ConsentVerifyProgress) => {
    last = p;
    reporter.update(p);
  };
  const report = await consent.verify(undefined, { onProgress, rows: options.rows });
  reporter.end(last);
  if (!report.ok) {
    if (report.broken > 0)
      out(
        `BROKEN: ${report.broken} of ${report.subjects} chain(s) fail; first: ${report.subjectType}/${report.subjectId} at seq ${report.brokenAt} (${report.reason}).`,
      );
    if (report.strayCategoryRows)
      out(`BROKEN: ${report.strayCategoryRows} row(s) of the category side table belong to no event.`);
    return 1;
  }
  out(`OK: ${report.subjects} chain(s), ${report.checked} event(s) verify.`);
  const checkpoint = await consent.checkpoint();
  out(
    `Checkpoint ${checkpoint.at}: ${checkpoint.subjects} head(s) signed; digest ${checkpoint.digest} (keep it outside the database).`,
  );
  return 0;
}
