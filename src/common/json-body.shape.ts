import { BadRequestException } from '@nestjs/common';

/** Deeper than any body the module accepts; class-transformer recurses per level and overflows the stack on ~5,000. */
export const MAX_BODY_DEPTH = 16;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses, with a 400, a JSON body that is not a plain object, nests deeper than MAX_BODY_DEPTH, or carries a
 * prototype key anywhere: class-transformer throws a TypeError (500) on the latter and overflows the stack on
 * deep nesting, before class-validator can say anything. Iterative, so the check itself cannot overflow.
 */
export function assertPlainJsonBody(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new BadRequestException('The request body must be a JSON object.');
  const stack: Array<[unknown, number]> = [[body, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH)
      throw new BadRequestException(`The request body nests deeper than ${MAX_BODY_DEPTH} levels.`);
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new BadRequestException(`The request body must not contain the key '${key}'.`);
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return body as Record<string, unknown>;
}
