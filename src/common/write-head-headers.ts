import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * Adds a Set-Cookie and `Cache-Control: no-store` to a response about to write its headers. Headers passed
 * to writeHead(status, [message], headers) replace same-named ones set with setHeader, so when the app
 * passes either there, it is edited there; otherwise setHeader does.
 */
export function addNoStoreCookie(res: ServerResponse, cookie: string, writeHeadArgs: unknown[]): void {
  const passed = typeof writeHeadArgs[1] === 'string' ? writeHeadArgs[2] : writeHeadArgs[1];
  let cookieAdded = false;
  let cacheSet = false;
  if (Array.isArray(passed) && !Array.isArray(passed[0])) {
    // Raw form [name, value, name, value, …]: Node appends repeated names.
    for (let i = 0; i + 1 < passed.length; i += 2) {
      if (/^cache-control$/i.test(String(passed[i]))) [passed[i + 1], cacheSet] = ['no-store', true];
      else if (/^set-cookie$/i.test(String(passed[i]))) cookieAdded = true;
    }
    if (cookieAdded) passed.push('Set-Cookie', cookie);
  } else if (passed && typeof passed === 'object' && !Array.isArray(passed)) {
    const headers = passed as OutgoingHttpHeaders;
    for (const name of Object.keys(headers)) {
      if (/^cache-control$/i.test(name)) [headers[name], cacheSet] = ['no-store', true];
      else if (/^set-cookie$/i.test(name)) {
        const value = headers[name];
        headers[name] = [...(Array.isArray(value) ? value : value === undefined ? [] : [String(value)]), cookie];
        cookieAdded = true;
      }
    }
  }
  if (!cookieAdded) {
    const current = res.getHeader('set-cookie');
    res.setHeader('set-cookie', current === undefined ? [cookie] : Array.isArray(current) ? [...current, cookie] : [String(current), cookie]);
  }
  if (!cacheSet) res.setHeader('Cache-Control', 'no-store');
}
