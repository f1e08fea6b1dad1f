import { Injectable } from '@nestjs/common';

/** The time source of timeouts, expiry and audit timestamps; tests bind their own to move time without sleeping. */
export abstract class Clock {
  /** Milliseconds since the epoch. */
  abstract now(): number;
}

/** The default {@link Clock}: the system time. */
@Injectable()
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }
}
