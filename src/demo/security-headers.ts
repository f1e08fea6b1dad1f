import type { NextFunction, Request, Response } from 'express';

/**
 * The demo's Content Security Policy. Scripts and styles come from the app's own origin only; the consent
 * banner (served by the module to any app) injects its stylesheet as a `<style>` element and one `style`
 * attribute, hence `'unsafe-inline'` for styles and never for scripts. `frame-ancestors 'none'` keeps every
 * page out of frames (clickjacking on the login and consent dialogs).
 */
export const DEMO_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Every demo response: no `X-Powered-By`, the CSP above, no MIME sniffing, no referrer to other sites. */
export function demoSecurityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.removeHeader('X-Powered-By');
  res.setHeader('Content-Security-Policy', DEMO_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
}
