import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ConsentEventEntity } from '../src/consent/consent-event.entity.js';
import { ConsentService, type ConsentSubject } from '../src/index.js';
import { AUTH_CONSENT_DATA_SOURCE } from '../src/auth-consent.constants.js';
import { JAN_1_2026, TestClock } from './support/clock.js';
import { bootLibraryApp } from './support/library-app.js';
import { AUDIT_SECRET, TrackController, trackingOptions } from './support/tracking-fixture.js';
import { dropPrefixedTables, POSTGRES_URL, TEST_SECRET, uniquePrefix } from './support/services.js';

const CLI = join(process.cwd(), 'dist/src/demo/cli.js');
/** Subjects seeded; the first three get two more events each. */
const SUBJECTS = 240;
const EVENTS = SUBJECTS + 6;

/**
 * `npm run cli -- consent:verify` as an operator runs it (the built CLI, its own process, the demo's environment
 * variables): progress while it walks the chains (count lines when standard output is not a terminal, a bar
 * redrawn in place on one), then the verdict and the exit code.
 */
describe('consent:verify on the CLI (PostgreSQL)', () => {
  const prefix = uniquePrefix('cvcli');
  const env = {
    DATABASE_URL: POSTGRES_URL,
    TABLE_PREFIX: prefix,
    SESSION_SECRET: TEST_SECRET,
    CONSENT_AUDIT_SECRET: AUDIT_SECRET,
  };
  const site = { database: { url: POSTGRES_URL, tablePrefix: prefix } };
  let app: INestApplication;
  let ds: DataSource;

  function cli(args: string[], viaTerminal = false): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const command = [process.execPath, CLI, 'consent:verify', ...args];
    // script(1) gives the CLI a pseudo-terminal, as when an operator runs it by hand.
    const child = viaTerminal
      ? spawn('script', ['-qec', command.join(' '), '/dev/null'], {
          env: { PATH: process.env.PATH ?? '', TERM: 'dumb', COLUMNS: '120', ...env },
        })
      : spawn(command[0], command.slice(1), { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    return new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  beforeAll(async () => {
    app = (
      await bootLibraryApp({
        options: trackingOptions(site),
        clock: new TestClock(JAN_1_2026),
        controllers: [TrackController],
        appPipeAndFilter: true,
      })
    ).app;
    ds = app.get<DataSource>(AUTH_CONSENT_DATA_SOURCE);
    const consent = app.get(ConsentService);
    for (let i = 0; i < SUBJECTS; i++) {
      const subject: ConsentSubject = {
        type: i % 10 === 0 ? 'user' : 'visitor',
        id: `cli-${String(i).padStart(4, '0')}`,
      };
      await consent.recordFor(subject, { analytics: i % 2 === 0, marketing: false, preferences: true });
      if (i < 3) {
        await consent.recordFor(
          subject,
          { analytics: true, marketing: true, preferences: true },
          { source: 'settings' },
        );
        await consent.withdrawFor(subject);
      }
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await dropPrefixedTables(POSTGRES_URL, prefix);
  });

  it('not on a terminal: a count line at each tenth of the chains, the total, then OK and the checkpoint digest', async () => {
    const run = await cli(['--rows', '20']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const counts = lines.filter((l) => l.startsWith('Verified '));
    // Steps of 20 events: the count moves through the walk, never backwards, and ends at every chain.
    expect(counts.length).toBeGreaterThanOrEqual(5);
    const seen = counts.map((l) => Number(/^Verified ([\d,]+) of /.exec(l)![1].replace(/,/g, '')));
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    for (const l of counts)
      expect(l).toMatch(new RegExp(`^Verified [\\d,]+ of ${SUBJECTS} chain\\(s\\), [\\d,]+ event\\(s\\)\\.$`));
    expect(counts[counts.length - 1]).toBe(`Verified ${SUBJECTS} of ${SUBJECTS} chain(s), ${EVENTS} event(s).`);
    expect(lines).toContain(`OK: ${SUBJECTS} chain(s), ${EVENTS} event(s) verify.`);
    expect(lines[lines.length - 1]).toMatch(
      new RegExp(`^Checkpoint .*: ${SUBJECTS} head\\(s\\) signed; digest [0-9a-f]{64} `),
    );
    expect(run.stdout).not.toContain('\r');
  }, 60_000);

  it('on a terminal: a progress bar redrawn in place', async () => {
    const run = await cli([], true);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`\\r\\[#{24}\\] 100%  ${SUBJECTS}/${SUBJECTS} chains  ${EVENTS} events  [\\d,]+/s`),
    );
    expect(run.stdout).not.toContain('Verified ');
    expect(run.stdout).toContain(`OK: ${SUBJECTS} chain(s), ${EVENTS} event(s) verify.`);
  }, 60_000);

  it('a tampered event: the count shows it broken, the first break is named, exit 1', async () => {
    const events = ds.getRepository(ConsentEventEntity);
    const victim = await events.findOneByOrFail({ subjectType: 'visitor', subjectId: 'cli-0001', seq: 2 });
    await events.update(
      { id: victim.id },
      { decisionsAfter: { necessary: true, analytics: true, marketing: true, preferences: false } },
    );
    try {
      const run = await cli(['--rows', '50']);
      expect(run.code).toBe(1);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toContain(`Verified ${SUBJECTS} of ${SUBJECTS} chain(s), ${EVENTS - 1} event(s), 1 broken.`);
      expect(lines[lines.length - 1]).toMatch(
        /^BROKEN: 1 of 240 chain\(s\) fail; first: visitor\/cli-0001 at seq 2 \(hash does not match/,
      );
    } finally {
      await events.update({ id: victim.id }, { decisionsAfter: victim.decisionsAfter });
    }
  }, 60_000);

  it('refuses a step size that is not a positive integer', async () => {
    const run = await cli(['--rows', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--rows/);
  }, 30_000);
});
