/**
 * The import rules of nestjs-rediskit (docs/architecture.md). `npm test` runs them
 * (test/architecture): a new violation fails the build.
 *
 * core          context/ options/ connection/ keyspace/ codec/ scripts/ metrics/ tracing/ and errors.ts: knows no capability
 *               layered, each importing only layers below it (a type-only import does not count):
 *               context < options < keyspace, codec < scripts < connection < metrics; tracing/ beside options, below the rest
 * capabilities  one folder each; another capability only through its public entry (index.ts)
 * composition   redis.module.ts, capabilities.ts, index.ts and the subpath entries: may import anything
 */
const SRC = '^libs/rediskit/src/';
const CORE = `${SRC}(context|options|connection|keyspace|codec|scripts|metrics|tracing)/|${SRC}(errors|redis\\.constants|method-wrapper)\\.ts$`;
const CAPABILITIES = '(cache|http-cache|session|rate-limit|lock|pubsub|health|db-invalidation|prisma|request-cache|geo|reservation|idempotency|edge|invalidation)';
const COMPOSITION = `${SRC}(redis\\.module|capabilities|index|express-session|throttler|prisma)\\.ts$`;

/** Core folders that sit above `folder`: it must not import them at run time. */
const ABOVE = {
  context: 'options|keyspace|codec|scripts|connection|metrics',
  options: 'keyspace|codec|scripts|connection|metrics',
  keyspace: 'codec|scripts|connection|metrics',
  codec: 'keyspace|scripts|connection|metrics',
  scripts: 'connection|metrics',
  connection: 'metrics',
  tracing: 'options|keyspace|codec|scripts|connection|metrics',
};
const layerRules = Object.entries(ABOVE).map(([folder, above]) => ({
  name: `core-layers-${folder}`,
  comment: `${folder}/ sits below ${above.split('|').join(', ')} in the core.`,
  severity: 'error',
  from: { path: `${SRC}${folder}/` },
  to: { path: `${SRC}(${above})/`, dependencyTypesNot: ['type-only'] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'core-knows-no-capability',
      comment: 'The core (options, connection, keyspace, codec, scripts, metrics, tracing, errors) must not import a capability.',
      severity: 'error',
      from: { path: CORE },
      to: { path: `${SRC}${CAPABILITIES}/` },
    },
    {
      name: 'core-knows-no-composition',
      comment: 'The core must not import the module that composes it.',
      severity: 'error',
      from: { path: CORE },
      to: { path: COMPOSITION },
    },
    {
      name: 'capability-through-public-entry',
      comment: "A capability uses another only through that capability's public entry (its index.ts).",
      severity: 'error',
      from: { path: `${SRC}${CAPABILITIES}/` },
      to: { path: `${SRC}${CAPABILITIES}/(?!index\\.ts$)`, pathNot: `${SRC}$1/` },
    },
    {
      name: 'capability-knows-no-composition',
      comment: 'Capabilities are composed by redis.module.ts; they must not import it or the package entries.',
      severity: 'error',
      from: { path: `${SRC}${CAPABILITIES}/` },
      to: { path: COMPOSITION },
    },
    {
      name: 'no-cycles',
      comment: 'Modules depend on each other one way at run time (a type-only import does not count).',
      severity: 'error',
      from: { path: SRC },
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
