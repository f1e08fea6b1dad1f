import { Clock } from '../../src/common/clock.js';

/** 2026-01-01T00:00:00Z: a fixed start for specs whose timestamps must not depend on today. */
export const JAN_1_2026 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const DAY = 86_400_000;

/**
 * The one test clock: the module's {@link Clock}, moved by hand. Bind it with `bootLibraryApp({ clock })` or
 * pass it to a class that takes a Clock. Starts at the real time unless told otherwise (Redis expiries
 * are real time, so specs against Redis start at Date.now()).
 */
export class TestClock extends Clock {
  constructor(public ms = Date.now()) {
    super();
  }

  now(): number {
    return this.ms;
  }

  advance(ms: number): void {
    this.ms += ms;
  }
}
