import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Builds web/dist once when it is missing (as `npm install` / `npm start` would). */
export function ensureStudioBuilt() {
  execFileSync(process.execPath, ['scripts/build-studio.mjs', '--if-missing'], { cwd: root, stdio: 'inherit' });
}
