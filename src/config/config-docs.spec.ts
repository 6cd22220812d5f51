import { readFileSync } from 'node:fs';

import { readmeTableRows, readmeTableRowsIn, renderEnvExample } from 'src/config/config-docs';
import { parseEnv } from 'src/config/env.schema';
import { VARIABLES } from 'src/config/variables';

describe('configuration docs', () => {
  it('should have .env.example as npm run config:docs writes it', () => {
    expect(readFileSync('.env.example', 'utf8')).toBe(renderEnvExample());
  });

  it('should have the README table as npm run config:docs writes it', () => {
    expect(readmeTableRowsIn(readFileSync('README.md', 'utf8'))).toEqual(readmeTableRows());
  });

  it('should start with every default, exactly as .env.example states it', () => {
    const stated = Object.fromEntries(
      renderEnvExample()
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => line.split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>;

    expect(parseEnv(stated)).toEqual(parseEnv({}));
    for (const [name, variable] of Object.entries(VARIABLES)) {
      if ('default' in variable && !('defaultText' in variable)) {
        expect(stated[name]).toBe(variable.default);
      }
    }
  });
});
