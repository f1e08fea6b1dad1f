/** The part of node-postgres the bench's floor app uses (the package ships no types; @types/pg is not a dependency). */
declare module 'pg' {
  interface QueryResult {
    rows: Array<Record<string, unknown>>;
  }
  export class Pool {
    constructor(config: { connectionString: string; max?: number });
    query(query: string | { name: string; text: string; values: unknown[] }): Promise<QueryResult>;
  }
  const pg: { Pool: typeof Pool };
  export default pg;
}
