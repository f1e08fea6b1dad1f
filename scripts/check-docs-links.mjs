// After `vitepress build`: every in-site link's #fragment names a heading of its page (VitePress checks only
// that the page exists), and every README link into docs/ names a page and heading that exist.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = 'docs/.vitepress/dist';
const pages = new Map();
for (const file of readdirSync(dist).filter((f) => f.endsWith('.html'))) {
  const html = readFileSync(join(dist, file), 'utf8');
  pages.set(file === 'index.html' ? '' : file.replace(/\.html$/, ''), {
    html,
    ids: new Set([...html.matchAll(/ id="([^"]+)"/g)].map((m) => m[1])),
  });
}
const problems = [];
const check = (from, page, fragment) => {
  const target = pages.get(page);
  if (!target) problems.push(`${from}: no page '${page}'`);
  else if (fragment && !target.ids.has(decodeURIComponent(fragment)))
    problems.push(`${from}: no heading '#${fragment}' on '${page || 'index'}'`);
};
for (const [name, { html }] of pages) {
  // The theme's own links carry no fragment; links written in the Markdown do.
  for (const m of html.matchAll(/href="(\/[^"#]*)?#([^"]+)"/g)) {
    const page = m[1] === undefined ? name : m[1].replace(/^\//, '').replace(/\.html$/, '');
    check(`docs/${name || 'index'}.md`, page, m[2]);
  }
}
for (const m of readFileSync('README.md', 'utf8').matchAll(/\]\(docs\/([a-z0-9-]+)\.md(?:#([^)]+))?\)/g))
  check('README.md', m[1] === 'index' ? '' : m[1], m[2]);
if (problems.length) {
  console.error(`Broken documentation links:\n  ${[...new Set(problems)].join('\n  ')}`);
  process.exit(1);
}
console.log(`docs: ${pages.size} pages, every link and heading found`);
