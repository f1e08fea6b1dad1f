import { describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { canonicalJson, hmacHex } from './consent-canonical.js';
import { eventMaterial, type HashableEvent } from './consent-format.js';

/** canonicalJson as first written (map, filter, join): hashes stored since then depend on its exact output. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}

describe('canonicalJson', () => {
  it('gives the same bytes as the reference on events, checkpoints and odd values', () => {
    const values: unknown[] = [
      null,
      undefined,
      0,
      -1.5,
      'a"b\\c\u2028',
      true,
      [],
      {},
      [undefined, null, { b: 1, a: [2, { d: undefined, c: 'x' }] }],
      {
        v: 2,
        sub: 'p',
        seq: 3,
        action: 'update',
        before: null,
        after: { necessary: true, analytics: false },
        policyVersion: '1',
        policyHash: 'h',
        source: 'banner',
        locale: null,
        at: 1735689600000,
        prev: 'ab',
      },
      { kind: 'head', seq: 1, hash: null, events: 0, at: 0, é: 1, '': 2, 'a b': 3, '"q"': 4 },
      new Date(0),
      ['user', 'u-1'],
    ];
    for (let i = 0; i < 200; i++) {
      const o: Record<string, unknown> = {};
      for (let k = 0; k < 6; k++)
        o[randomBytes(3).toString('base64')] =
          k % 3 === 0 ? randomBytes(2).toString('hex') : k % 3 === 1 ? k % 2 === 0 : { z: k, y: [k, null] };
      values.push(o);
    }
    for (const v of values) expect(canonicalJson(v)).toBe(reference(v));
  });

  it('eventMaterial, written out in key order, is the canonical JSON of the event in both formats', () => {
    const events: HashableEvent[] = [];
    for (let i = 0; i < 50; i++) {
      events.push({
        seq: i + 1,
        action: ['grant', 'update', 'link', 'erase', 'a"\\'][i % 5],
        decisionsBefore: i % 3 === 0 ? null : { necessary: true, analytics: i % 2 === 0, 'z"': false },
        decisionsAfter: { marketing: i % 2 === 1, necessary: true },
        policyVersion: String(i),
        policyHash: 'h'.repeat(64),
        source: 'banner',
        locale: i % 4 === 0 ? null : 'en-GB',
        createdAt: new Date(Date.UTC(2025, 0, 1) + i * 1234),
        prevHash: i === 0 ? null : 'p'.repeat(64),
        format: 1 + (i % 2),
      });
    }
    const { locale: _locale, ...withoutLocale } = events[1];
    events.push(withoutLocale as HashableEvent, { ...events[2], createdAt: new Date(Number.NaN) });
    for (const e of events) {
      const base = {
        seq: e.seq,
        action: e.action,
        before: e.decisionsBefore ?? null,
        after: e.decisionsAfter,
        policyVersion: e.policyVersion,
        policyHash: e.policyHash,
        source: e.source,
        locale: e.locale ?? null,
        at: new Date(e.createdAt).getTime(),
        prev: e.prevHash ?? null,
      };
      expect(eventMaterial(e, 'pseudo')).toBe(reference(e.format === 1 ? base : { v: 2, sub: 'pseudo', ...base }));
    }
    expect(eventMaterial({ ...events[0], format: 3 }, 'pseudo')).toBeNull();
  });

  it('hmacHex is HMAC-SHA-256 in hex, whichever key', () => {
    for (const key of [randomBytes(32), randomBytes(32)]) {
      for (const data of ['', 'x', '{"a":1}'])
        expect(hmacHex(key, data)).toBe(createHmac('sha256', key).update(data).digest('hex'));
    }
  });
});
