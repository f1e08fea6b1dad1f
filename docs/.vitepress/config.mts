import { defineConfig } from 'vitepress';

// The docs site: built offline by `npm run docs:build`; a dead link fails the build (and so `npm test`).
/** Heading anchors as GitHub makes them, so the same links work on GitHub and on the site. */
const githubSlug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

export default defineConfig({
  title: 'nestjs-auth-consent',
  description: 'Login, Redis-backed sessions and GDPR consent for NestJS',
  cleanUrls: true,
  lastUpdated: false,
  // Links into the repository (source files, the changelog) leave the site on purpose.
  ignoreDeadLinks: [/^(\.\/)?\.\.\//],
  markdown: { anchor: { slugify: githubSlug } },
  themeConfig: {
    search: { provider: 'local' },
    nav: [
      { text: 'Guide', link: '/' },
      { text: 'HTTP API', link: '/http-api' },
      { text: 'Configuration', link: '/configuration' },
    ],
    sidebar: [
      {
        text: 'Using it',
        items: [
          { text: 'Getting started', link: '/' },
          { text: 'Configuration', link: '/configuration' },
          { text: 'HTTP API', link: '/http-api' },
          { text: 'Cookie banner and demo', link: '/banner' },
          { text: 'Administration', link: '/administration' },
        ],
      },
      {
        text: 'Models',
        items: [
          { text: 'Login and sessions', link: '/sessions' },
          { text: 'Security model', link: '/security' },
          { text: 'Consent model and proof', link: '/consent' },
        ],
      },
      {
        text: 'Running it',
        items: [
          { text: 'Operations', link: '/operations' },
          { text: 'Benchmarks', link: '/benchmarks' },
          { text: 'Versioning and upgrading', link: '/upgrading' },
          { text: 'Contributing', link: '/contributing' },
        ],
      },
    ],
  },
});
