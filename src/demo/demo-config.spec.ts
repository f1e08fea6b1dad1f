import { describe, expect, it } from '@jest/globals';
import { demoOptionsFromEnv } from './demo-config.js';

describe("the demo's TABLE_PREFIX", () => {
  it("leaves the module's default when unset or empty, passes a prefix, and reads `none` as no prefix", () => {
    expect(demoOptionsFromEnv({}).database?.tablePrefix).toBeUndefined();
    expect(demoOptionsFromEnv({ TABLE_PREFIX: '' }).database?.tablePrefix).toBeUndefined();
    expect(demoOptionsFromEnv({ TABLE_PREFIX: 'shop_' }).database?.tablePrefix).toBe('shop_');
    expect(demoOptionsFromEnv({ TABLE_PREFIX: 'none' }).database?.tablePrefix).toBe('');
  });
});
