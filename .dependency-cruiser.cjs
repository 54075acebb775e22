/** Import boundaries of the layers in DESIGN.md: imports point one way. */
const layer = (name) => `^src/${name}/`;
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'util-is-a-leaf', severity: 'error', from: { path: layer('util') }, to: { path: '^src/(?!util/)' } },
    { name: 'api-imports-only-util', severity: 'error', from: { path: layer('api') }, to: { path: '^src/(?!api/|util/)' } },
    { name: 'store-imports-only-util', severity: 'error', from: { path: layer('store') }, to: { path: '^src/(?!store/|util/)' } },
    { name: 'config-is-pure', severity: 'error', from: { path: layer('config') }, to: { path: '^src/(?!config/|util/)' } },
    { name: 'pipeline-imports-api-store-util', severity: 'error', from: { path: layer('pipeline') }, to: { path: '^src/(?!pipeline/|api/|store/|util/)' } },
    { name: 'outbound-imports-api-store-util', severity: 'error', from: { path: layer('outbound') }, to: { path: '^src/(?!outbound/|api/|store/|util/)' } },
    { name: 'scheduler-imports-store-util', severity: 'error', from: { path: layer('scheduler') }, to: { path: '^src/(?!scheduler/|store/|util/)' } },
    { name: 'sandbox-not-runtime-or-pipeline', severity: 'error', from: { path: layer('sandbox') }, to: { path: '^src/(runtime|pipeline|outbound|scheduler|testing|cli|config|record)/' } },
    { name: 'record-imports-api-sandbox-config-util', severity: 'error', from: { path: layer('record') }, to: { path: '^src/(?!record/|api/|sandbox/|config/|util/)' } },
    { name: 'runtime-not-cli-or-testing', severity: 'error', from: { path: layer('runtime') }, to: { path: '^src/(cli|testing|sandbox|record)/' } },
    { name: 'plugins-use-public-entry', severity: 'error', from: { path: '^(plugins|examples)/' }, to: { path: '^src/(?!index\\.ts$|testing/index\\.ts$)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
