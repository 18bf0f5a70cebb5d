import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/main.js';
import type { EventRead, KeyEventSource, KeyUseRead } from '../../src/pipeline/ports.js';
import { DryRunNotifier } from '../../src/serve/dry-run.js';
import { addFindings, markSlackPosted } from '../../src/pipeline/records.js';
import { suppressFinding } from '../../src/pipeline/suppression.js';
import { openStore, type FileStore } from '../../src/store/index.js';
import { recordingLogger, sampleFinding } from '../support/slack-harness.js';

const NOW = new Date('2025-03-02T00:00:00Z');

describe('DryRunNotifier', () => {
  let folder: string;
  let store: FileStore;
  let stdout: PassThrough;
  let printed: string;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'keyhunt-dry-run-'));
    store = await openStore({ path: join(folder, 'keyhunt.json'), logger: recordingLogger().logger });
    stdout = new PassThrough();
    printed = '';
    stdout.on('data', (chunk: Buffer) => (printed += chunk.toString('utf8')));
  });

  afterEach(async () => {
    await store.close();
    rmSync(folder, { recursive: true, force: true });
  });

  function notifier() {
    return { printer: new DryRunNotifier({ store, stdout }) };
  }

  function ids(): string[] {
    return printed
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { id: string }).id);
  }

  test('prints unposted findings oldest deletion first', async () => {
    await store.update((data) =>
      addFindings(
        data,
        [
          sampleFinding({ id: 'kh-late', deletedAt: '2025-03-01T12:00:00Z' }),
          sampleFinding({ id: 'kh-early', deletedAt: '2025-03-01T08:00:00Z' }),
        ],
        NOW,
      ),
    );
    await notifier().printer.postPending();
    expect(ids()).toEqual(['kh-early', 'kh-late']);
  });

  test('prints each finding once', async () => {
    const { printer } = notifier();
    await store.update((data) => addFindings(data, [sampleFinding({ id: 'kh-one' })], NOW));
    await printer.postPending();
    await store.update((data) => addFindings(data, [sampleFinding({ id: 'kh-two' })], NOW));
    await printer.postPending();
    expect(ids()).toEqual(['kh-one', 'kh-two']);
  });

  test('skips findings already posted to chat', async () => {
    await store.update((data) => {
      addFindings(data, [sampleFinding({ id: 'kh-posted' }), sampleFinding({ id: 'kh-new' })], NOW);
      markSlackPosted(data, 'kh-posted', { channel: 'C0POSTED01', ts: '1.2', postedAt: NOW.toISOString() });
    });
    await notifier().printer.postPending();
    expect(ids()).toEqual(['kh-new']);
  });

  test('suppressed findings are not printed', async () => {
    await store.update((data) => {
      const [ci] = addFindings(
        data,
        [sampleFinding({ id: 'kh-ci', userName: 'ci-deploy' }), sampleFinding({ id: 'kh-alice' })],
        NOW,
      );
      const rule = { accessKeyId: null, userName: 'ci-*', creatorArn: null, reason: 'CI', until: null };
      suppressFinding(ci!, rule, NOW);
    });
    await notifier().printer.postPending();
    expect(ids()).toEqual(['kh-alice']);
  });

  test('nothing to print writes nothing', async () => {
    await notifier().printer.postPending();
    expect(printed).toBe('');
  });
});

const emptySource: KeyEventSource = {
  readKeyEvents: async (): Promise<EventRead> => ({
    events: [],
    complete: true,
    failure: null,
    requests: 2,
    pages: 2,
    throttles: 0,
    retries: 0,
  }),
  lookupKeyUses: async (): Promise<KeyUseRead> => ({
    uses: [],
    skipped: 0,
    failure: null,
    requests: 0,
    pages: 0,
    throttles: 0,
    retries: 0,
  }),
};

describe('serve --dry-run start', () => {
  test('start log says findings are stored', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'keyhunt-dry-run-start-'));
    const storePath = join(folder, 'keyhunt.json');
    const { logger, lines } = recordingLogger();
    const config = loadConfig({ KEYHUNT_DB_PATH: storePath, PORT: '0', KEYHUNT_POLL_CRON: '0 0 1 1 *' });
    const service = await startService({
      config,
      logger,
      stdout: new PassThrough(),
      clock: () => NOW,
      dryRun: true,
      host: '127.0.0.1',
      source: emptySource,
    });
    await service.stop('test end');
    rmSync(folder, { recursive: true, force: true });

    const notice = lines.find((line) => line.msg.startsWith('Dry run:'));
    expect(notice?.msg).toBe(
      'Dry run: findings are printed on stdout instead of posted, and no daily summary is sent. New ' +
        'findings are still stored in KEYHUNT_DB_PATH and the poll cursor moves, so a later keyhunt serve ' +
        'without --dry-run posts every finding stored now. Set KEYHUNT_DB_PATH to a scratch file to keep a ' +
        'trial run apart.',
    );
    expect(notice?.dbPath).toBe(storePath);
  });
});
