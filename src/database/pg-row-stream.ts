import type { DataSource, QueryRunner } from 'typeorm';

/** What node-postgres's `Query` offers that {@link pgEachRow} uses. */
interface PgQuery {
  on(event: 'row', f: (row: Record<string, unknown>, result?: { rows?: unknown[] }) => void): PgQuery;
  on(event: 'end', f: () => void): PgQuery;
  on(event: 'error', f: (err: Error) => void): PgQuery;
}

/**
 * PostgreSQL: runs `sql` on `runner`'s connection and hands each row to `onRow` as node-postgres parses it,
 * without accumulating the result (its row events). A large result that arrives slowly otherwise lives across
 * young-generation collections and is promoted, which grows the heap far beyond the data in use. An error
 * thrown by `onRow` skips the remaining rows and rejects once the statement has ended.
 */
export async function pgEachRow(
  ds: DataSource,
  runner: QueryRunner,
  sql: string,
  params: unknown[],
  onRow: (row: Record<string, unknown>) => void,
): Promise<void> {
  const client = (await runner.connect()) as { query(q: PgQuery): unknown };
  const { Query } = (ds.driver as unknown as { postgres: { Query: new (text: string, values: unknown[]) => PgQuery } })
    .postgres;
  await new Promise<void>((resolve, reject) => {
    let failed: Error | undefined;
    // node-postgres accumulates the rows of a query that has a callback, which its client-side query timeout
    // (database.statementTimeout) adds: the rows kept so far are dropped at each new row.
    const query = new Query(sql, params)
      .on('row', (row, result) => {
        if (result?.rows && result.rows.length > 0) result.rows.length = 0;
        if (failed) return;
        try {
          onRow(row);
        } catch (err) {
          failed = err as Error;
        }
      })
      .on('end', () => (failed ? reject(failed) : resolve()))
      .on('error', reject);
    client.query(query);
  });
}
