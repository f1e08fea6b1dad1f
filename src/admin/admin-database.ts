import { HttpException, type Logger, ServiceUnavailableException } from '@nestjs/common';

/**
 * Runs a database call for an admin request: a failure of the database (down, timed out, refused) becomes a
 * 503 with a plain message instead of a 500; the cause is logged, never sent to the client.
 */
export async function withDatabase<T>(logger: Logger, what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof HttpException) throw err;
    logger.error(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    throw new ServiceUnavailableException('The database is unavailable; try again shortly.');
  }
}
