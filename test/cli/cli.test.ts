import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, runCompiledCli } from './build-cli.js';

let cli: string;
let folder: string;

beforeAll(async () => {
  cli = await buildCli();
  folder = await mkdtemp(join(tmpdir(), 'keyhunt-cli-'));
}, 240_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('keyhunt help', () => {
  test('top-level help lists scan and --debug', async () => {
    const run = await runCompiledCli(cli, ['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: keyhunt \[options\] \[command\]/);
    expect(run.stdout).toMatch(/\n {2}scan \[options\] \[path\.\.\.\]/);
    expect(run.stdout).toContain('--debug');
    expect(run.stderr).toBe('');
  });

  test('scan help gives units and defaults', async () => {
    const run = await runCompiledCli(cli, ['scan', '--help']);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(run.code).toBe(0);
    expect(help).toContain(
      '--threshold <duration> report keys deleted within this time of creation (90s, 20m, 24h or 7d) (default: 24h)',
    );
    expect(help).toContain(
      '--since <duration> only use records from this time before now until now (90s, 20m, 24h or 7d); default: all records',
    );
    expect(help).toContain(
      '--from <time> only use records at or after this time (ISO 8601, such as 2023-07-10T12:00:00Z or 2023-07-10); default: no limit',
    );
    expect(help).toContain(
      '--to <time> only use records at or before this time (ISO 8601, as --from); default: no limit',
    );
    expect(help).toContain(
      '--format <format> output format on stdout (choices: "table", "json", "ndjson", default: "table")',
    );
    expect(help).toContain('default: the bundled samples/ folder');
  });

  test('version from package.json', async () => {
    const run = await runCompiledCli(cli, ['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('runs through a symlinked bin', async () => {
    const link = join(folder, 'keyhunt');
    await symlink(cli, link);
    const run = await runCompiledCli(link, ['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('keyhunt usage errors', () => {
  const cases: Array<[string, string[], string]> = [
    ['unknown option', ['scan', '--nope'], "error: unknown option '--nope'"],
    ['unknown command', ['frobnicate'], "error: unknown command 'frobnicate'"],
    [
      'invalid threshold',
      ['scan', '--threshold', '5x'],
      "error: option '--threshold <duration>' argument '5x' is invalid. Expected a whole number and a unit: 90s, 20m, 24h or 7d.",
    ],
    [
      'threshold too large',
      ['scan', '--threshold', '99999999999d'],
      "error: option '--threshold <duration>' argument '99999999999d' is invalid. The duration is too large. Use a value such as 90s, 20m, 24h or 7d.",
    ],
    [
      'zero threshold',
      ['scan', '--threshold', '0h'],
      "error: option '--threshold <duration>' argument '0h' is invalid. The threshold must be greater than 0, such as 24h.",
    ],
    [
      'invalid since',
      ['scan', '--since', 'yesterday'],
      "error: option '--since <duration>' argument 'yesterday' is invalid. Expected a whole number and a unit: 90s, 20m, 24h or 7d.",
    ],
    [
      'time without zone',
      ['scan', '--from', '2024-01-01T10:00:00'],
      "error: option '--from <time>' argument '2024-01-01T10:00:00' is invalid. Expected an ISO 8601 time such as 2023-07-10T12:00:00Z or 2023-07-10.",
    ],
    [
      'impossible date',
      ['scan', '--to', '2024-02-31'],
      "error: option '--to <time>' argument '2024-02-31' is invalid. Expected an ISO 8601 time such as 2023-07-10T12:00:00Z or 2023-07-10.",
    ],
    [
      'since with from',
      ['scan', '--since', '7d', '--from', '2024-01-01'],
      "error: option '--since <duration>' cannot be used with option '--from <time>'",
    ],
    [
      'from after to',
      ['scan', '--from', '2024-01-05', '--to', '2024-01-01'],
      'keyhunt: error: --from 2024-01-05T00:00:00.000Z is after --to 2024-01-01T00:00:00.000Z; swap the two values',
    ],
    [
      'invalid format',
      ['scan', '--format', 'xml'],
      "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are table, json, ndjson.",
    ],
  ];

  test.each(cases)('%s exits 2', async (_name, args, message) => {
    const run = await runCompiledCli(cli, args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  test('missing path exits 2', async () => {
    const missing = join(folder, 'no-such-logs');
    const run = await runCompiledCli(cli, ['scan', missing]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `keyhunt: error: path not found: ${missing}; pass an existing file or folder of CloudTrail logs\n`,
    );
  });

  test('--debug adds the stack', async () => {
    const run = await runCompiledCli(cli, ['--debug', 'scan', join(folder, 'no-such-logs')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('CliError: path not found');
    expect(run.stderr).toContain('Caused by:\nInputPathError: path not found');
  });

  test('invalid LOG_LEVEL exits 2', async () => {
    const run = await runCompiledCli(cli, ['scan'], { env: { LOG_LEVEL: 'loud' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'keyhunt: error: invalid LOG_LEVEL "loud": use one of fatal, error, warn, info, debug, trace, silent\n',
    );
  });
});
