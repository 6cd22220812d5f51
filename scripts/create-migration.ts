import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIGRATIONS = join('src', 'database', 'migrations');
const USAGE = 'Usage: npm run migration:create -- <Name>   (PascalCase, e.g. AddUsersLocale)';

/**
 * `npm run migration:create -- AddUsersLocale`: writes
 * src/database/migrations/<timestamp>-AddUsersLocale.ts with empty `up` and `down`, and lists it
 * last in src/database/migrations/index.ts, the list the server and the TypeORM CLI run.
 */
function main(name: string | undefined): number {
  if (!name || !/^[A-Z][A-Za-z0-9]*$/.test(name)) {
    console.error(USAGE);
    return 2;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const file = `${timestamp}-${name}`;
  writeFileSync(
    join(MIGRATIONS, `${file}.ts`),
    `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // SQL that PostgreSQL 15 and the embedded PGlite (PostgreSQL 18) both accept.
    await queryRunner.query(\`\`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(\`\`);
  }
}
`,
  );
  const indexPath = join(MIGRATIONS, 'index.ts');
  const index = readFileSync(indexPath, 'utf8')
    .replace(/\n\n\/\*\*/, `\nimport { ${className} } from './${file}';\n\n/**`)
    .replace(/\n\];\n$/, `\n  ${className},\n];\n`);
  writeFileSync(indexPath, index);
  console.log(`Created ${join(MIGRATIONS, `${file}.ts`)} and listed it in ${indexPath}.`);
  return 0;
}

process.exitCode = main(process.argv[2]);
