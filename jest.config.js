// Jest runs on Node 20, whose Jest runtime cannot load ES modules untransformed. @swc/jest compiles
// the TypeScript sources and the ESM-only packages (NestJS 12, jose, ...) to CommonJS; type checking
// is left to `npm run typecheck`.
const { availableParallelism } = require('node:os');

const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const esmPackages = [
  '@nestjs',
  'jose',
  'uid',
  'file-type',
  'strtok3',
  'token-types',
  'uint8array-extras',
  '@tokenizer',
  '@borewit',
  'set-cookie-parser',
  'content-disposition',
  'cookie',
  '@electric-sql/pglite',
  '@fastify/cookie',
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/libs'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  transform: {
    '^.+\\.ts$': swc('typescript'),
    '^.+\\.[mc]?js$': swc('ecmascript'),
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: {
    '^src/(.*)$': '<rootDir>/src/$1',
    '^test/(.*)$': '<rootDir>/test/$1',
    '^libs/(.*)$': '<rootDir>/libs/$1',
    '^examples/(.*)$': '<rootDir>/examples/$1',
  },
  // Jest's default, one worker fewer than the cores, is one worker on a 2-core machine such as CI's,
  // and one worker means every spec file runs in the Jest process, one after another. The e2e specs
  // spend much of their time waiting (argon2 in the thread pool, timers, the database), so two
  // workers there take about two thirds of the time. Larger machines keep the default.
  maxWorkers: Math.max(2, availableParallelism() - 1),
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 30_000,
};
