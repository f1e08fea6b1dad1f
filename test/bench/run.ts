/**
 * `npm run bench`: runs every `*.bench.js` next to this file, one after the other, each in its own Node
 * process (so one bench's memory never skews another's). Each bench prints a table and merges its figures
 * into bench-results.json. Add a bench by dropping a `<name>.bench.ts` file here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

if (benches.length === 0) {
  console.error(`No bench found in ${here}${only.length ? ` matching ${only.join(', ')}` : ''}.`);
  process.exit(1);
}

let failed = 0;
for (const file of benches) {
  console.log(`\n== ${file}`);
  const run = spawnSync(process.execPath, ['--expose-gc', join(here, file)], { stdio: 'inherit' });
  if (run.status !== 0) {
    failed++;
    console.error(`${file} failed (exit ${run.status ?? run.signal}).`);
  }
}
process.exit(failed === 0 ? 0 : 1);
