/** The slice of autocannon's API the benches use (the package ships no types). */
declare module 'autocannon' {
  interface Client {
    setBody(body: string): void;
    setHeaders(headers: Record<string, string>): void;
    setRequests(
      requests: Array<{ method?: string; path?: string; body?: string; headers?: Record<string, string> }>,
    ): void;
  }
  interface Options {
    url: string;
    connections?: number;
    duration?: number;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    requests?: Array<{ method?: string; path?: string; body?: string; headers?: Record<string, string> }>;
    setupClient?: (client: Client) => void;
  }
  interface Histogram {
    average: number;
    total: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
    timeouts: number;
    statusCodeStats: Record<string, { count: number }>;
  }
  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
