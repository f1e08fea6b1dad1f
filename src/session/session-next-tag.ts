import type { Request } from 'express';

/** On a request about to regenerate its session at login: the tag its new ID carries (its user's). */
const NEXT_TAG = Symbol('authConsentNextTag');

/** Makes the next session ID of the request carry `tag` (see session-id.ts). */
export function setNextSessionTag(req: Request, tag: string): void {
  (req as Request & { [NEXT_TAG]?: string })[NEXT_TAG] = tag;
}

/** The tag set for the request's next session ID, if any (express-session's `genid`). */
export function nextSessionTag(req: Request): string | undefined {
  return (req as Request & { [NEXT_TAG]?: string })[NEXT_TAG];
}
