// Installs the npm dependencies when they are missing, so that `npm test` and `npm run demo`
// work on a fresh clone. Only the npm registry is used (see .npmrc for onnxruntime-node).
import { existsSync, readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const needed = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const missing = needed.filter((name) => !existsSync(new URL(`../node_modules/${name}/package.json`, import.meta.url)));
if (missing.length > 0) {
  console.error(`srcaco: installing dependencies (missing: ${missing.join(', ')})`);
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit', cwd: new URL('..', import.meta.url) });
}
