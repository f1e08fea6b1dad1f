import { describe, expect, it } from '@jest/globals';
import { csvCell } from './consent-event.csv.js';

describe('csvCell', () => {
  it.each<[string | number | null | undefined, string]>([
    [null, ''],
    [undefined, ''],
    ['plain', 'plain'],
    [42, '42'],
    // Formula starts get a leading apostrophe (OWASP).
    ['=HYPERLINK("http://evil.example")', `"'=HYPERLINK(""http://evil.example"")"`],
    ['+1+2', "'+1+2"],
    ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', `"'\tcmd"`],
    ['\rcmd', `"'\rcmd"`],
    // Numbers and identifiers that begin with a sign are left as they are.
    ['-3', '-3'],
    [-1.5, '-1.5'],
    ['+49', '+49'],
    ['-Xk3_-9aZ', '-Xk3_-9aZ'],
    ['-', '-'],
    // Quoted: comma, quote, line breaks, and now ';' and tab.
    ['a,"b"\r\nc', '"a,""b""\r\nc"'],
    ['Mozilla/5.0 (X11; Linux x86_64)', '"Mozilla/5.0 (X11; Linux x86_64)"'],
    ['a\tb', '"a\tb"'],
    // After a ';', tab or line break too: a spreadsheet splitting on ';' starts a cell there.
    ['x;=1+1', `"x;'=1+1"`],
    ['x;=1+1;', `"x;'=1+1;"`],
    ['x;"=1+1', `"x;'""=1+1"`],
    ['x\t@SUM(1)', `"x\t'@SUM(1)"`],
    ['x\n-cmd|x', `"x\n'-cmd|x"`],
    ['x;-3', '"x;-3"'],
    ['bot; +http://www.google.com/bot.html', '"bot; +http://www.google.com/bot.html"'],
  ])('%j → %j', (value, cell) => {
    expect(csvCell(value)).toBe(cell);
  });

  /** What a spreadsheet splitting on ';' sees, quotes honoured nowhere: each piece is a cell of its own. */
  it('leaves no piece between semicolons, tabs or line breaks that a spreadsheet would run', () => {
    const hostile = ['x;=1+1', 'a;+A1+A2;b', 'a;"@x', 'a\t=1', 'a\r\n=1', 'a;;-x(1)', '=1;=2'];
    for (const value of hostile) {
      for (const piece of csvCell(value).split(/[;\t\r\n,]/))
        expect([value, piece.replace(/^"+/, '')]).not.toEqual([value, expect.stringMatching(/^[=+\-@]/)]);
    }
  });
});
