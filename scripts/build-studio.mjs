// Builds the browser studio (web/ -> web/dist) with Vite. `npm install` runs it (prepare);
// `npm start` runs it with --if-missing so a fresh checkout never serves a missing studio.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const web = fileURLToPath(new URL('../web/', import.meta.url));
if (process.argv.includes('--if-missing') && fs.existsSync(`${web}dist/index.html`)) process.exit(0);
let build;
try {
  ({ build } = await import('vite'));
} catch {
  // A production install without devDependencies: the API still runs; `/` says how to build.
  console.warn('[opensoul] vite is not installed (devDependencies skipped?): the studio is not built');
  process.exit(0);
}
await build({ root: web, configFile: `${web}vite.config.ts`, logLevel: 'warn' });
console.log('[opensoul] studio built into web/dist');
