import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
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
