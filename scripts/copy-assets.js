// tsc emits only TypeScript output: copy the browser assets next to the compiled files that serve them.
import { cpSync } from 'node:fs';

cpSync('src/banner/consent-banner.js', 'dist/src/banner/consent-banner.js');
cpSync('src/demo/public', 'dist/src/demo/public', { recursive: true });
