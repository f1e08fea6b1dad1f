import type { ServerResponse } from 'node:http';
import { editWriteHeadHeader, isHeaderPairs, writeHeadHeadersIndex } from '../common/write-head-headers.js';

/**
 * A response that issues the session cookie must not be stored by a cache: adds `Cache-Control: no-store`
 * when the headers about to be written (set with setHeader, or passed to writeHead) set the cookie `name`.
 */
export function markNoStoreWithSessionCookie(res: ServerResponse, name: string, writeHeadArgs: unknown[]): void {
  const prefix = `${name}=`;
  const sets = (value: unknown): boolean => (Array.isArray(value) ? value.some(sets) : typeof value === 'string' && value.startsWith(prefix));
  let issued = sets(res.getHeader('set-cookie'));
  editWriteHeadHeader(writeHeadArgs, 'set-cookie', (value) => {
    issued ||= sets(value);
    return value;
  });
  if (!issued || editWriteHeadHeader(writeHeadArgs, 'cache-control', () => 'no-store') > 0) return;
  const index = writeHeadHeadersIndex(writeHeadArgs);
  // Node refuses setHeader next to `[name, value]` pairs: the header joins the pairs instead.
  if (isHeaderPairs(writeHeadArgs[index])) writeHeadArgs[index] = [...(writeHeadArgs[index] as unknown[][]), ['Cache-Control', 'no-store']];
  else res.setHeader('Cache-Control', 'no-store');
}

type WriteHead = (...args: unknown[]) => unknown;

/**
 * express-session sets its cookie from an `on-headers` hook, which reads writeHead's headers from the
 * second argument only: `writeHead(200, undefined, headers)` would lose the app's headers (and
 * `writeHead(200, h1, h2)` send h1). Wraps the response's writeHead so the hook gets the arguments as Node
 * reads them (see write-head-headers.ts). Called once express-session has hooked the response.
 */
export function passWriteHeadAsNodeReadsIt(res: ServerResponse): void {
  const hooked = res.writeHead as unknown as WriteHead;
  res.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    if (args.length > 2 && typeof args[1] !== 'string') args = [args[0], args[writeHeadHeadersIndex(args)]];
    return hooked.apply(this, args);
  } as ServerResponse['writeHead'];
}
