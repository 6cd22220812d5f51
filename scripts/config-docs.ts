import { readFileSync, writeFileSync } from 'node:fs';

import { format, resolveConfig } from 'prettier';

import { renderEnvExample, renderReadmeTable, withReadmeTable } from 'src/config/config-docs';

/**
 * `npm run config:docs`: writes `.env.example` and the README's configuration table from the
 * variables declared in src/config/variables.ts. `src/config/config-docs.spec.ts` fails when they
 * are out of date.
 */
async function main(): Promise<void> {
  writeFileSync('.env.example', renderEnvExample());
  const readme = withReadmeTable(readFileSync('README.md', 'utf8'), renderReadmeTable());
  const options = await resolveConfig('README.md');
  writeFileSync('README.md', await format(readme, { ...options, parser: 'markdown' }));
}

void main();
