import type { ServerResponse } from 'node:http';
import { editWriteHeadHeader, isHeaderPairs, writeHeadHeadersIndex } from '../common/write-head-headers.js';

/**
 * Finishes the session cookie as the response's headers are written (set with setHeader, or passed to
 * writeHead): adds `Secure` to it when the module's cookie is Secure, and `Cache-Control: no-store` to a
 * response that issues it. express-session is configured without `secure` because it would then refuse to
 * send the cookie on a request it sees as plain HTTP (a TLS proxy the app does not trust, or that sets no
 * header): the login would answer 200 with a session stored and no cookie. Browsers accept a Secure cookie
 * only over HTTPS anyway, so the flag is always sent.
 */
export function finishSessionCookie(
  res: ServerResponse,
  name: string,
  secure: boolean,
  writeHeadArgs: unknown[],
): void {
  const prefix = `${name}=`;
  let issued = false;
  const finish = (value: unknown): unknown => {
    if (Array.isArray(value)) {
      const edited = value.map(finish);
      return edited.some((v, i) => v !== value[i]) ? edited : value;
    }
    if (typeof value !== 'string' || !value.startsWith(prefix)) return value;
    issued = true;
    return secure && !/;\s*secure\s*(;|$)/i.test(value) ? `${value}; Secure` : value;
  };
  const stored = res.getHeader('set-cookie');
  const finished = finish(stored);
  if (finished !== stored) res.setHeader('set-cookie', finished as string[]);
  editWriteHeadHeader(writeHeadArgs, 'set-cookie', finish);
  if (!issued || editWriteHeadHeader(writeHeadArgs, 'cache-control', () => 'no-store') > 0) return;
  const index = writeHeadHeadersIndex(writeHeadArgs);
  // Node refuses setHeader next to `[name, value]` pairs: the header joins the pairs instead.
  if (isHeaderPairs(writeHeadArgs[index]))
    writeHeadArgs[index] = [...(writeHeadArgs[index] as unknown[][]), ['Cache-Control', 'no-store']];
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
