import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Where every bench writes its figures: one key per bench, merged so benches do not overwrite each other. */
export const BENCH_RESULTS_FILE = process.env.BENCH_RESULTS_FILE ?? 'bench-results.json';

export function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: process.platform,
  };
}

export function mergeBenchResults(name: string, results: unknown): void {
  let all: Record<string, unknown> = {};
  if (existsSync(BENCH_RESULTS_FILE)) {
    try {
      all = JSON.parse(readFileSync(BENCH_RESULTS_FILE, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {};
    }
  }
  all[name] = results;
  writeFileSync(BENCH_RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

export function percentile(sortedMs: number[], p: number): number {
  const i = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return Math.round(sortedMs[i] * 100) / 100;
}

/** Runs `fn` `warmup` times unmeasured, then `runs` times; returns p50/p95/max in ms. */
export async function timeIt(
  runs: number,
  warmup: number,
  fn: (i: number) => Promise<unknown>,
): Promise<{ p50: number; p95: number; max: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn(i);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn(i + warmup);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: percentile(ms, 100), runs };
}

/** The benchmarks page of the docs site; each bench owns the block between its markers. */
const DOCS_PAGE = 'docs/benchmarks.md';

/**
 * Replaces the block between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` in the docs'
 * benchmarks page with `lines` (the latest run only: earlier ones are in git). `BENCH_NO_DOCS=1` leaves it.
 */
export function writeDocsTable(name: string, lines: string[]): void {
  if (process.env.BENCH_NO_DOCS === '1' || !existsSync(DOCS_PAGE)) return;
  const page = readFileSync(DOCS_PAGE, 'utf8');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = page.indexOf(start);
  const to = page.indexOf(end);
  if (from < 0 || to < from) return;
  writeFileSync(DOCS_PAGE, `${page.slice(0, from + start.length)}\n${lines.join('\n').trim()}\n${page.slice(to)}`);
}
