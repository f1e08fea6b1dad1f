import { describe, expect, it } from '@jest/globals';
import { AuthConsentConfigError } from '../auth-consent.exceptions.js';
import { resolveConsentOptions, type ConsentOptions } from './consent.options.js';
import { truncateIp } from './consent-ip.js';
import { ruleSetOf } from './consent-regions.js';
import { BUILT_IN_UI_TEXTS, CONSENT_UI_KEYS, CONSENT_UI_PLACEHOLDERS, type ConsentUiKey } from './consent-ui.texts.js';

const cookie = { purpose: 'p', duration: '1 year', provider: 'us' };

describe('resolveConsentOptions', () => {
  it('defaults: necessary only, version 1, 180 days, warn on undeclared cookies', () => {
    const r = resolveConsentOptions();
    expect(r.categories.map((c) => [c.key, c.required])).toEqual([['necessary', true]]);
    expect(r).toMatchObject({
      policyVersion: '1',
      lifetimeMs: 180 * 86_400_000,
      refusalLifetimeMs: 180 * 86_400_000,
      undeclaredCookies: 'warn',
      visitorCookieName: 'consent_visitor',
    });
  });

  it('anonymousWriteLimit: 100 a minute by default, false turns it off, a bad one is refused', () => {
    expect(resolveConsentOptions().anonymousWriteLimit).toEqual({ max: 100, windowMs: 60_000 });
    expect(resolveConsentOptions({ anonymousWriteLimit: false }).anonymousWriteLimit).toBe(false);
    expect(resolveConsentOptions({ anonymousWriteLimit: { max: 5, window: '10s' } }).anonymousWriteLimit).toEqual({
      max: 5,
      windowMs: 10_000,
    });
    expect(() => resolveConsentOptions({ anonymousWriteLimit: { max: 0, window: '1m' } })).toThrow(
      AuthConsentConfigError,
    );
    expect(() => resolveConsentOptions({ anonymousWriteLimit: { max: 5, window: 'soon' } })).toThrow(
      /anonymousWriteLimit\.window/,
    );
  });

  it('turns glob patterns into anchored RegExps and links Consent Mode to analytics/marketing by default', () => {
    const r = resolveConsentOptions({
      categories: [
        { key: 'analytics', name: 'A', description: '', cookies: [{ pattern: '_ga*', ...cookie }] },
        { key: 'marketing', name: 'M', description: '', gpcOptOut: true },
      ],
      refusalLifetime: '30d',
    });
    expect(r.categories[1].cookies[0].pattern!.test('_ga_123')).toBe(true);
    expect(r.categories[1].cookies[0].pattern!.test('x_ga')).toBe(false);
    expect(r.consentMode).toEqual({
      analytics_storage: ['analytics'],
      ad_storage: ['marketing'],
      ad_user_data: ['marketing'],
      ad_personalization: ['marketing'],
    });
    expect(r.refusalLifetimeMs).toBe(30 * 86_400_000);
  });

  it('uses RegExp patterns without g and y, on a copy: the same name matches every time', () => {
    const global = /^trk_/g;
    const sticky = /trk_/iy;
    const r = resolveConsentOptions({
      categories: [
        {
          key: 'analytics',
          name: 'A',
          description: '',
          cookies: [
            { pattern: global, ...cookie },
            { pattern: sticky, ...cookie },
          ],
        },
      ],
    });
    const [g, y] = r.categories[1].cookies.map((c) => c.pattern!);
    expect([g.flags, y.flags, g.source, y.source]).toEqual(['', 'i', '^trk_', 'trk_']);
    for (let i = 0; i < 4; i++)
      expect([g.test('trk_1'), y.test('TRK_1'), y.test('x_trk_1')]).toEqual([true, true, true]);
    expect(g).not.toBe(global);
    expect(global.flags).toBe('g');
  });

  it.each<[string, ConsentOptions, RegExp]>([
    [
      'duplicate key',
      {
        categories: [
          { key: 'a', name: 'A', description: '' },
          { key: 'a', name: 'B', description: '' },
        ],
      },
      /declared twice/,
    ],
    [
      'necessary refusable',
      { categories: [{ key: 'necessary', name: 'N', description: '', required: false }] },
      /always required/,
    ],
    [
      'cookie with name and pattern',
      { categories: [{ key: 'a', name: 'A', description: '', cookies: [{ name: 'x', pattern: 'y*', ...cookie }] }] },
      /exactly one of name or pattern/,
    ],
    [
      'cookie without purpose',
      {
        categories: [
          { key: 'a', name: 'A', description: '', cookies: [{ name: 'x', purpose: '', duration: 'd', provider: 'p' }] },
        ],
      },
      /purpose/,
    ],
    [
      'cookie in two categories',
      {
        categories: [
          { key: 'a', name: 'A', description: '', cookies: [{ name: 'x', ...cookie }] },
          { key: 'b', name: 'B', description: '', cookies: [{ name: 'x', ...cookie }] },
        ],
      },
      /declared by both/,
    ],
    ['bad lifetime', { lifetime: 'forever' }, /consent\.lifetime/],
    ['bad undeclared mode', { undeclaredCookies: 'drop' as 'block' }, /undeclaredCookies/],
    ['short secret', { auditSecret: 'short' }, /auditSecret/],
    ['consent mode to unknown category', { consentMode: { ad_storage: ['ads'] } }, /consentMode\.ad_storage/],
    ['bad policy version', { policyVersion: 'v 2' }, /policyVersion/],
  ])('rejects %s with a sentence naming the option', (_name, options, message) => {
    expect(() => resolveConsentOptions(options)).toThrow(AuthConsentConfigError);
    expect(() => resolveConsentOptions(options)).toThrow(message);
  });
});

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['::ffff:198.51.100.9', '198.51.100.0'],
    ['2001:db8:abcd:12:1:2:3:4', '2001:db8:abcd::'],
    ['2001:db8::1', '2001:db8:0::'],
    ['not-an-ip', null],
    [undefined, null],
  ])('%p → %p', (ip, out) => expect(truncateIp(ip)).toBe(out));
});

describe('consent.language', () => {
  it("names the configured texts' language: 'en' by default, a language tag or a sentence naming the option", () => {
    expect(resolveConsentOptions().language).toBe('en');
    expect(resolveConsentOptions({ language: 'de-AT' }).language).toBe('de-AT');
    expect(() => resolveConsentOptions({ language: 'not a tag' })).toThrow(/consent\.language must be a language tag/);
  });

  it('translations: language tags other than consent.language, texts of declared categories only', () => {
    const categories = [{ key: 'analytics', name: 'Analytics', description: 'Counts visits.' }];
    expect(
      resolveConsentOptions({
        categories,
        translations: { de: { categories: { analytics: { description: 'Zählt Besuche.' } } } },
      }).translations,
    ).toEqual({
      de: { categories: { analytics: { description: 'Zählt Besuche.' } } },
    });
    expect(() => resolveConsentOptions({ categories, translations: { 'not a tag': {} } })).toThrow(
      /is not a language tag/,
    );
    expect(() => resolveConsentOptions({ categories, translations: { en: {} } })).toThrow(/is consent\.language/);
    expect(() =>
      resolveConsentOptions({ categories, translations: { de: { categories: { ads: { name: 'Werbung' } } } } }),
    ).toThrow(/categories\.ads: no category has this key/);
    expect(() =>
      resolveConsentOptions({ categories, translations: { de: { categories: { analytics: { name: '' } } } } }),
    ).toThrow(/name must be a non-empty string/);
  });
});

describe('consent.ui', () => {
  const categories = [
    {
      key: 'analytics',
      name: 'Analytics',
      description: 'Counts visits.',
      cookies: [{ name: '_ga', purpose: 'Visits', duration: '1 year', provider: 'Google' }],
    },
  ];

  it('every language with texts gets the built-in banner strings, with the app overrides on top', () => {
    const o = resolveConsentOptions({
      categories,
      ui: { acceptAll: 'Allow all' },
      translations: { 'de-AT': { ui: { rejectAll: 'Alle verweigern' } }, pl: {} },
    });
    expect(Object.keys(o.ui)).toEqual(['en', 'de-AT', 'pl']);
    expect(o.ui.en).toMatchObject({ acceptAll: 'Allow all', rejectAll: 'Reject all' });
    expect(o.ui['de-AT']).toMatchObject({ acceptAll: 'Alle akzeptieren', rejectAll: 'Alle verweigern' });
    expect(o.ui.pl.acceptAll).toBe('Akceptuj wszystkie');
  });

  it('the eight built-in languages have every string, none left in English by mistake, placeholders kept', () => {
    for (const [lang, texts] of Object.entries(BUILT_IN_UI_TEXTS)) {
      expect(Object.keys(texts).sort()).toEqual([...CONSENT_UI_KEYS].sort());
      for (const [key, placeholder] of Object.entries(CONSENT_UI_PLACEHOLDERS))
        expect(texts[key as ConsentUiKey]).toContain(placeholder);
      if (lang !== 'en')
        for (const key of ['bannerText', 'acceptAll', 'rejectAll', 'dialogTitle', 'close', 'choicesLink'] as const)
          expect(texts[key]).not.toBe(BUILT_IN_UI_TEXTS.en[key]);
    }
    expect(Object.keys(BUILT_IN_UI_TEXTS).sort()).toEqual(['de', 'en', 'es', 'fr', 'it', 'nl', 'pl', 'pt']);
  });

  it('a bad override is a sentence naming the option', () => {
    expect(() => resolveConsentOptions({ ui: { acceptAl: 'x' } as never })).toThrow(
      /consent\.ui\.acceptAl is not a banner string/,
    );
    expect(() => resolveConsentOptions({ ui: { acceptAll: ' ' } })).toThrow(
      /consent\.ui\.acceptAll must be a non-empty string/,
    );
    expect(() =>
      resolveConsentOptions({ translations: { de: { ui: { bannerText: 'Wir nutzen Cookies.' } } } }),
    ).toThrow(/consent\.translations\['de'\]\.ui\.bannerText must contain \{categories\}/);
    expect(() => resolveConsentOptions({ ui: [] as never })).toThrow(/consent\.ui must be an object/);
  });

  it('a language with no built-in strings needs all of them', () => {
    expect(() => resolveConsentOptions({ translations: { ja: {} } })).toThrow(
      /consent\.translations\['ja'\]\.ui: no built-in banner strings in 'ja'; give all of them \(missing: bannerLabel, bannerText/,
    );
    expect(() => resolveConsentOptions({ language: 'sv' })).toThrow(/consent\.ui: no built-in banner strings in 'sv'/);
    const sv = Object.fromEntries(CONSENT_UI_KEYS.map((k) => [k, `sv ${CONSENT_UI_PLACEHOLDERS[k] ?? k}`]));
    expect(resolveConsentOptions({ language: 'sv', ui: sv }).ui.sv.close).toBe('sv close');
  });

  it('translated cookie texts name a cookie of the category', () => {
    const o = resolveConsentOptions({
      categories,
      translations: { de: { categories: { analytics: { cookies: { _ga: { purpose: 'Besuche' } } } } } },
    });
    expect(o.translations.de.categories?.analytics.cookies?._ga.purpose).toBe('Besuche');
    expect(() =>
      resolveConsentOptions({
        categories,
        translations: { de: { categories: { analytics: { cookies: { _gid: { purpose: 'x' } } } } } },
      }),
    ).toThrow(
      /consent\.translations\['de'\]\.categories\.analytics\.cookies\['_gid'\]: the category declares no such cookie/,
    );
    expect(() =>
      resolveConsentOptions({
        categories,
        translations: { de: { categories: { analytics: { cookies: { _ga: { duration: '' } } } } } },
      }),
    ).toThrow(/\.duration must be a non-empty string/);
  });
});

describe('consent.regions', () => {
  it('regions: codes are ISO 3166-1 alpha-2 or ISO 3166-2, a region is in one list, one source, opt-in by default', () => {
    expect(resolveConsentOptions().regions).toBeUndefined();
    const r = resolveConsentOptions({ regions: { header: 'CF-IPCountry', optIn: ['DE'], optOut: ['US-CA'] } }).regions!;
    expect(r).toMatchObject({ header: 'cf-ipcountry', default: 'opt-in' });
    expect(ruleSetOf(r, 'US-CA')).toBe('opt-out');
    expect(ruleSetOf(r, 'DE-BY')).toBe('opt-in');
    expect(ruleSetOf(r, 'US')).toBe('opt-in');
    expect(ruleSetOf(r, undefined)).toBe('opt-in');
    expect(ruleSetOf(resolveConsentOptions({ regions: { default: 'opt-out' } }).regions, undefined)).toBe('opt-out');
    expect(ruleSetOf(undefined, 'US-CA')).toBe('opt-in');
    expect(() => resolveConsentOptions({ regions: { optOut: ['California'] } })).toThrow(
      /not an ISO 3166-1 alpha-2 or ISO 3166-2 code/,
    );
    expect(() => resolveConsentOptions({ regions: { optOut: ['us-ca'] } })).toThrow(AuthConsentConfigError);
    expect(() => resolveConsentOptions({ regions: { optIn: ['US-CA'], optOut: ['US-CA'] } })).toThrow(
      /both optIn and optOut/,
    );
    expect(() => resolveConsentOptions({ regions: { header: 'X-Region', resolve: () => 'DE' } })).toThrow(
      /either header or resolve/,
    );
    expect(() => resolveConsentOptions({ regions: { header: 'bad header' } })).toThrow(/header must be a header name/);
    expect(() => resolveConsentOptions({ regions: { default: 'opt-maybe' as 'opt-in' } })).toThrow(/default must be/);
  });
});
