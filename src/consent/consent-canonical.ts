import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/**
 * JSON with object keys sorted at every level: the same value always gives the same bytes, whatever the key
 * order (keys whose value is undefined are left out; undefined elsewhere is null). It is hashed material, so
 * its output never changes (consent-canonical.spec pins it); verify-all calls it for every event, hence the
 * string built in place.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
    first = false;
  }
  return `${out}}`;
}

/** Each key imported once: verify-all computes an HMAC per event. */
const keyObjects = new WeakMap<Buffer, KeyObject>();

/** HMAC-SHA256 as 64 hex characters. */
export function hmacHex(key: Buffer, data: string): string {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = createSecretKey(key);
    keyObjects.set(key, keyObject);
  }
  return createHmac('sha256', keyObject).update(data).digest('hex');
}
