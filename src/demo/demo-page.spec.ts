import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { demoLanguage, pageInLanguage } from './demo.controller.js';
import { DEMO_PAGE_TEXTS } from './demo-page.texts.js';

const home = readFileSync(new URL('./public/index.html', import.meta.url), 'utf8');

describe('the demo home page in its eight languages', () => {
  it('every language has every text, with the same {…} parts as English', () => {
    const parts = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const [lang, texts] of Object.entries(DEMO_PAGE_TEXTS)) {
      expect([lang, Object.keys(texts).sort()]).toEqual([lang, Object.keys(DEMO_PAGE_TEXTS.en).sort()]);
      for (const [key, text] of Object.entries(texts))
        expect([lang, key, parts(text)]).toEqual([lang, key, parts(DEMO_PAGE_TEXTS.en[key as keyof typeof texts])]);
    }
  });

  it('the page gets its lang, its texts (escaped) and the meta for its scripts; no {{key}} is left', () => {
    const page = pageInLanguage(home, 'fr');
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('<h1>Démo nestjs-auth-consent</h1>');
    expect(page).toContain(
      '<p><code>GET /demo/track</code> tente de déposer <code>demo_theme</code>, <code>demo_analytics</code> et <code>demo_ads</code> à chaque appel.</p>',
    );
    expect(page).toContain('<meta name="demo-texts" content="{&quot;title&quot;:&quot;Accueil');
    expect(page).not.toMatch(/\{\{|\}\}/);
  });

  it('Accept-Language picks the language: q-values, region subtags, English otherwise', () => {
    expect(demoLanguage(undefined)).toBe('en');
    expect(demoLanguage('de-AT,de;q=0.9')).toBe('de');
    expect(demoLanguage('ja, pl;q=0.5')).toBe('pl');
    expect(demoLanguage('fr;q=0.1, nl')).toBe('nl');
    expect(demoLanguage('ja, zh')).toBe('en');
  });
});
