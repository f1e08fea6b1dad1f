import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AdminConsentEventsService } from './admin-consent-events.service.js';
import type { ConsentEventExportQuery } from './admin-query.types.js';
import { csvHeader, csvLine } from './consent-event.csv.js';
import type { ConsentEventView } from './consent-event.view.js';

/** A ready export: headers to send and a stream that reads the next batch only when the client has taken the last. */
export interface ConsentEventExport {
  contentType: string;
  filename: string;
  stream: Readable;
  /** Events written to the stream so far (all of them once it has ended): the `X-Export-Rows` trailer. */
  rows(): number;
}

/** The HTTP trailer that reports the number of events an export wrote (declared in a `Trailer` header). */
export const EXPORT_ROWS_TRAILER = 'X-Export-Rows';

/**
 * Events per chunk written to the response (about 40 KB of CSV). A batch joined into one string (about 400 KB)
 * lands in V8's large-object space, which only a full collection frees: at a million events the heap grew by
 * 100 MB and more before one ran. Chunks this size are young garbage, freed by the cheap scavenges.
 */
export const EXPORT_CHUNK_ROWS = 100;

/**
 * Streams consent events as CSV or NDJSON in constant memory: one keyset batch of raw rows at a time, pulled
 * by the response's backpressure (a slow client slows the queries down; a client that leaves stops them), and
 * counts the rows it writes.
 */
@Injectable()
export class AdminConsentExportService {
  constructor(private readonly events: AdminConsentEventsService) {}

  /** Reads the first batch before returning, so a database failure is still a clean 503 instead of a cut stream. */
  async open(query: ConsentEventExportQuery, now: Date): Promise<ConsentEventExport> {
    const encode = query.format === 'csv' ? csvLine : (e: ConsentEventView) => `${JSON.stringify(e)}\n`;
    const batches = this.events.encodedBatches(query, query.order, encode, EXPORT_CHUNK_ROWS);
    const first = await batches.next();
    let rows = 0;
    let pending: string[] | undefined = first.done ? undefined : first.value.chunks;
    if (!first.done) rows += first.value.rows;
    // Only the text of one batch waits for the client; nothing here holds its rows.
    const nextText = async (): Promise<string[] | undefined> => {
      const next = await batches.next();
      if (next.done) return undefined;
      rows += next.value.rows;
      return next.value.chunks;
    };
    async function* chunks(): AsyncGenerator<string> {
      try {
        if (query.format === 'csv') yield csvHeader();
        while (pending) {
          const text = pending;
          pending = undefined;
          for (let i = 0; i < text.length; i++) {
            const chunk = text[i];
            text[i] = '';
            yield chunk;
          }
          pending = await nextText();
        }
      } finally {
        // Ends the keyset walk when the client disconnects mid-export.
        await batches.return(undefined);
      }
    }
    const stamp = now.toISOString().replace(/[:.]/g, '-');
    return {
      contentType: query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      filename: `consent-events-${stamp}.${query.format}`,
      stream: Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 }),
      rows: () => rows,
    };
  }
}
