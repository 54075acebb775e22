/**
 * The files `fleepkit init` writes. Pure functions of the project name and the fleepkit
 * dependency spec, so the generated project never contains a path of this machine unless the
 * caller passes one with `--fleepkit file:…`.
 */

/** What the templates need. */
export interface TemplateInput {
  /** npm package name of the new project. */
  name: string;
  /** The `fleepkit` dependency spec, e.g. `^0.1.0`, `file:../fleepkit-0.1.0.tgz` or `file:../fleepkit`. */
  fleepkit: string;
  /**
   * The spec links a source checkout, whose `dist/` may be missing or stale: the project's
   * type-check and tests resolve fleepkit's TypeScript sources instead. @default false
   */
  linkedSources?: boolean;
}

/** Every file of the scaffold, by relative path. */
export function scaffoldFiles(input: TemplateInput): Record<string, string> {
  return {
    'package.json': packageJson(input),
    'bot.config.yaml': BOT_CONFIG,
    'plugins/hello.ts': HELLO_PLUGIN,
    'test/hello.test.ts': HELLO_TEST,
    'tsconfig.json': tsconfig(input),
    'vitest.config.ts': vitestConfig(input),
    '.gitignore': 'node_modules/\ndata/\ndist/\n',
    'README.md': readme(input),
  };
}

function packageJson({ name, fleepkit }: TemplateInput): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20.12' },
    scripts: {
      start: 'fleepkit run',
      'start:fresh': 'fleepkit run --fresh',
      check: 'fleepkit check',
      sandbox: 'fleepkit sandbox',
      test: 'vitest run',
      typecheck: 'tsc --noEmit',
    },
    dependencies: { fleepkit, zod: '^4.1.0' },
    devDependencies: { '@types/node': '^20.19.0', typescript: '~5.9.0', vitest: '^4.0.0' },
  };
  return JSON.stringify(pkg, null, 2) + '\n';
}

const BOT_CONFIG = `# Your bot's configuration. \`npm run check\` validates it; \`npm start\` runs it.
# Every section and key is described in the fleepkit README ("bot.config.yaml reference").

fleep:
  # 'sandbox' runs a local Fleep server with a demo team (alice, bob, carol; password "demo").
  # For real Fleep: server: https://fleep.io, email: \${FLEEP_EMAIL}, password: \${FLEEP_PASSWORD}
  server: sandbox

bot:
  prefix: "!"
  timezone: Europe/Tallinn

store:
  sqlite: ./data/bot.db

sandbox:
  # The embedded sandbox's API and playground (0 = any free port; the URL is printed).
  port: \${SANDBOX_PORT:-8700}

http:
  # Health and metrics (/healthz, /readyz, /metrics).
  port: \${HTTP_PORT:-8701}

plugins:
  help: {}
  ./plugins/hello.ts:
    greeting: Hello
`;

const HELLO_PLUGIN = `import { definePlugin } from 'fleepkit';
import { z } from 'zod';

/** Answers \`!hello\` with a greeting; the greeting comes from bot.config.yaml. */
export default definePlugin({
  name: 'hello',
  config: z.object({ greeting: z.string().default('Hello') }),
  setup(bot, config) {
    bot.command('hello', { description: 'Says hello' }, (ctx) => ctx.reply(\`\${config.greeting}, \${ctx.sender?.displayName || 'there'}!\`));
  },
});
`;

const HELLO_TEST = `import { createTestBot } from 'fleepkit/testing';
import { expect, test } from 'vitest';
import hello from '../plugins/hello.js';

test('!hello greets the sender', async () => {
  const t = await createTestBot({ plugins: [hello], config: { hello: { greeting: 'Hi' } } });
  try {
    await t.say('alice', 'Team', '!hello');
    await t.idle();
    expect(await t.lastReply('Team')).toBe('Hi, Alice!');
  } finally {
    await t.close();
  }
});
`;

function tsconfig({ linkedSources }: TemplateInput): string {
  const compilerOptions: Record<string, unknown> = {
    target: 'ES2022',
    // Node, not a browser: without `lib` TypeScript adds the DOM types, whose fetch, timers and
    // events clash with Node's.
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  };
  if (linkedSources) {
    compilerOptions.paths = { fleepkit: ['./node_modules/fleepkit/src/index.ts'], 'fleepkit/testing': ['./node_modules/fleepkit/src/testing/index.ts'] };
  }
  return JSON.stringify({ compilerOptions, include: ['plugins', 'test', 'vitest.config.ts'] }, null, 2) + '\n';
}

function vitestConfig({ linkedSources }: TemplateInput): string {
  if (!linkedSources) return `import { defineConfig } from 'vitest/config';\n\nexport default defineConfig({ test: { testTimeout: 30_000 } });\n`;
  return `import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// fleepkit is linked from a source checkout (no dist/): use its TypeScript sources.
const src = (p: string): string => fileURLToPath(new URL(\`./node_modules/fleepkit/src/\${p}\`, import.meta.url));

export default defineConfig({
  resolve: { alias: { 'fleepkit/testing': src('testing/index.ts'), fleepkit: src('index.ts') } },
  test: { testTimeout: 30_000 },
});
`;
}

function readme({ name }: TemplateInput): string {
  return `# ${name}

A Fleep team bot built with fleepkit.

\`\`\`sh
npm install
npm test          # plugin tests against an in-process Fleep sandbox
npm start         # runs the bot against the embedded sandbox; open the printed playground URL
npm run check     # validates bot.config.yaml and loads the plugins without connecting
\`\`\`

Log in to the playground as alice@example.com / demo and write \`!hello\` in "Team".
State lives in ./data (\`npm run start:fresh\` starts over).

- \`plugins/hello.ts\` — a plugin; add yours next to it and list them under \`plugins:\` in bot.config.yaml.
- \`test/hello.test.ts\` — its test, using \`createTestBot\` from \`fleepkit/testing\`.
- Real Fleep: set \`fleep.server: https://fleep.io\` and export FLEEP_EMAIL / FLEEP_PASSWORD.
`;
}
