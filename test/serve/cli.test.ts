/**
 * `keyhunt serve` through the compiled CLI: configuration errors exit with code 2 and name each problem, the
 * help lists every setting, the logger redacts secrets, and the Dockerfile matches the build output.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { silentLogger } from '../../src/log.js';
import { openStore } from '../../src/store/index.js';
import { CONFIG_VARIABLES } from '../../src/config-reference.js';
import { buildCli, REPO_ROOT, runCompiledCli } from '../cli/build-cli.js';
import { baseEnv } from './child.js';

let cliPath: string;
let folder: string;

beforeAll(async () => {
  cliPath = await buildCli();
}, 300_000);

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'keyhunt-serve-cli-'));
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

function serve(args: string[], env: Record<string, string>) {
  return runCompiledCli(cliPath, ['serve', ...args], {
    env: { ...baseEnv(), KEYHUNT_DB_PATH: join(folder, 'keyhunt.json'), PORT: '0', ...env },
    cwd: folder,
  });
}

describe('serve configuration errors', () => {
  test('no chat settings without --dry-run', async () => {
    const run = await serve([], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'keyhunt: error: Invalid configuration (1 problem):\n  - SLACK_BOT_TOKEN or MicrosoftAppId is missing: expected Slack settings',
    );
    expect(run.stderr).toContain('run `keyhunt serve --dry-run` to print findings instead of posting');
  });

  test('several bad values in one message', async () => {
    const run = await serve(['--dry-run'], {
      PORT: 'eighty',
      KEYHUNT_MAX_RPS: '3',
      KEYHUNT_POLL_CRON: '*/5 * * *',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid configuration (3 problems):');
    expect(run.stderr).toContain(
      '  - KEYHUNT_POLL_CRON="*/5 * * *" is invalid: expected a cron expression of 5 fields',
    );
    expect(run.stderr).toContain(
      '  - KEYHUNT_MAX_RPS="3" is invalid: expected a number above 0 and at most 2',
    );
    expect(run.stderr).toContain('  - PORT="eighty" is invalid: expected a whole number from 0 to 65535');
  });

  test('partial Slack settings hide the token', async () => {
    const token = 'xoxp-9999-partial-usertoken';
    const run = await serve([], { SLACK_BOT_TOKEN: token });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('  - SLACK_BOT_TOKEN is invalid: expected a bot token starting with xoxb-');
    expect(run.stderr).toContain('  - SLACK_SIGNING_SECRET is missing');
    expect(run.stderr).toContain('  - KEYHUNT_SLACK_CHANNEL is missing');
    expect(run.stderr).not.toContain(token);
  });

  test('values from .env are checked', async () => {
    writeFileSync(join(folder, '.env'), 'KEYHUNT_TIMEZONE=Atlantis/Capital\n');
    const run = await serve(['--dry-run'], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('KEYHUNT_TIMEZONE="Atlantis/Capital" is invalid');
  });

  test('invalid rules file', async () => {
    writeFileSync(join(folder, 'rules.yaml'), 'suppress:\n  - userName: ci-bot\n');
    const run = await serve(['--dry-run'], { KEYHUNT_CONFIG: 'rules.yaml' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(folder, 'rules.yaml')}: suppress[0].reason is missing`);
  });

  test('nothing is stored after a configuration error', async () => {
    await serve([], {});
    expect(existsSync(join(folder, 'keyhunt.json'))).toBe(false);
  });
});

describe('serve start errors', () => {
  test('busy port names PORT and the fix', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const run = await serve(['--dry-run'], {
        PORT: String(port),
        AWS_ENDPOINT_URL_CLOUDTRAIL: 'http://127.0.0.1:9',
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `keyhunt: error: PORT ${port} is already in use by another process. Stop that process or set PORT ` +
          'to a free port (PORT=0 picks one).\n',
      );
      expect(run.stderr).not.toContain('--debug');
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });

  test('locked store prints no stack hint', async () => {
    const held = await openStore({ path: join(folder, 'keyhunt.json'), logger: silentLogger() });
    try {
      const run = await serve(['--dry-run'], { AWS_ENDPOINT_URL_CLOUDTRAIL: 'http://127.0.0.1:9' });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `keyhunt: error: The store ${join(folder, 'keyhunt.json')} is locked by process`,
      );
      expect(run.stderr).not.toContain('--debug');
    } finally {
      await held.close();
    }
  });
});

describe('serve help', () => {
  test('top-level help lists serve', async () => {
    const run = await runCompiledCli(cliPath, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^ {2}serve \[options\] +Run the service/m);
  });

  test('serve help says a dry run stores findings', async () => {
    const run = await runCompiledCli(cliPath, ['serve', '--help']);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      'A dry run still stores new findings in KEYHUNT_DB_PATH and moves the poll cursor, so a later keyhunt ' +
        'serve without --dry-run posts every finding the dry run stored.',
    );
  });

  test('serve help lists every variable with its default', async () => {
    const run = await runCompiledCli(cliPath, ['serve', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--dry-run');
    for (const variable of CONFIG_VARIABLES) {
      const fallback = variable.defaultValue === '-' ? '' : ` (default: ${variable.defaultValue})`;
      expect(run.stdout).toContain(`  ${variable.name}${fallback}\n`);
    }
  });
});

describe('logger redaction', () => {
  test('secrets in log objects are redacted', async () => {
    const logModule = join(dirname(cliPath), 'log.js');
    const script = `
      const { createLogger } = await import(${JSON.stringify(logModule)});
      const logger = createLogger({ fd: 1, pretty: false });
      logger.info({ token: 'xoxb-1-top', slack: { botToken: 'xoxb-2-nested', signingSecret: 'sig-nested', appToken: 'xapp-1-nested' },
        teams: { appPassword: 'teams-pass' }, credentials: { secretAccessKey: 'aws-secret' },
        req: { headers: { authorization: 'Bearer jwt-value' } }, accessKeyId: 'AKIAVISIBLE000000001' }, 'test line');
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);

    const line = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(line.token).toBe('[redacted]');
    expect(line.slack).toEqual({
      botToken: '[redacted]',
      signingSecret: '[redacted]',
      appToken: '[redacted]',
    });
    expect(line.teams).toEqual({ appPassword: '[redacted]' });
    expect(line.credentials).toEqual({ secretAccessKey: '[redacted]' });
    expect(line.req).toEqual({ headers: { authorization: '[redacted]' } });
    expect(line.accessKeyId).toBe('AKIAVISIBLE000000001');

    for (const secret of [
      'xoxb-1-top',
      'xoxb-2-nested',
      'sig-nested',
      'xapp-1-nested',
      'teams-pass',
      'aws-secret',
      'jwt-value',
    ]) {
      expect(stdout).not.toContain(secret);
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const instructions = dockerfile
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const runtime = stages[stages.length - 1]!;
  const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  test('copied sources exist and are not ignored', () => {
    const copies = instructions.filter((line) => line.startsWith('COPY ') && !line.includes('--from='));
    const sources = copies.flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(sources).toEqual([
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'src',
      'package.json',
      'package-lock.json',
      'samples',
    ]);
    for (const source of sources) {
      expect([source, existsSync(join(REPO_ROOT, source))]).toEqual([source, true]);
      expect([source, ignored.includes(source)]).toEqual([source, false]);
    }
  });

  test('build output folder matches tsconfig.build.json', () => {
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { outDir: string };
    };
    expect(tsconfig.compilerOptions.outDir).toBe('dist');
    expect(instructions).toContain('RUN npx tsc -p tsconfig.build.json');
    expect(instructions).toContain('COPY --from=build /app/dist ./dist');
  });

  test('CMD runs serve from the build output', async () => {
    const cmd = instructions.find((line) => line.startsWith('CMD '))!;
    const [node, entry, subcommand] = JSON.parse(cmd.slice(4)) as string[];
    expect(node).toBe('node');
    expect(entry).toBe('dist/cli.js');
    const built = join(dirname(dirname(cliPath)), entry!);
    expect(existsSync(built)).toBe(true);
    const run = await runCompiledCli(built, [subcommand!, '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: keyhunt ${subcommand}`);
  });

  test('runtime stage: slim image, production dependencies, non-root', () => {
    expect(runtime.startsWith('node:22-slim AS runtime')).toBe(true);
    expect(runtime).toContain('RUN npm ci --omit=dev');
    expect(runtime).toMatch(/^USER node$/m);
  });

  test('store lives on the volume', () => {
    expect(instructions).toContain('VOLUME ["/data"]');
    expect(instructions.find((line) => line.startsWith('ENV KEYHUNT_DB_PATH='))).toMatch(
      /^ENV KEYHUNT_DB_PATH=\/data\/keyhunt\.json PORT=3000$/,
    );
  });

  test('port and health check match the service', () => {
    expect(instructions).toContain('EXPOSE 3000');
    const healthcheck = instructions.find((line) => line.startsWith('HEALTHCHECK '))!;
    expect(healthcheck).toContain('CMD ["node", "-e"');
    expect(healthcheck).toContain("'/healthz'");
    expect(healthcheck).not.toMatch(/curl|wget/);
  });

  test('built code imports only production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const distFolder = dirname(cliPath);
    const imported = new Set<string>();
    for (const entry of readdirSync(distFolder, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
      const code = readFileSync(join(entry.parentPath, entry.name), 'utf8');
      for (const match of code.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'".][^'"]*)['"]/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        imported.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!);
      }
    }
    const missing = [...imported].filter((name) => !(name in pkg.dependencies));
    expect(missing).toEqual([]);
    expect(imported.has('@aws-sdk/client-cloudtrail')).toBe(true);
  });
});
