// Rewrites README.md's model table (between <!-- models:begin --> and <!-- models:end -->) from the model
// registry; test/models/registry.test.ts fails until it is rerun after a registry change.
// Run: node --import tsx scripts/readme-models.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const { modelTableMarkdown } = await import('../src/models/registry.ts');
const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const marked = /(<!-- models:begin -->\n)[\s\S]*?(<!-- models:end -->)/;
if (!marked.test(readme)) throw new Error('README.md has no <!-- models:begin --> / <!-- models:end --> markers');
writeFileSync(path, readme.replace(marked, (_, begin, end) => `${begin}${modelTableMarkdown()}\n${end}`));
