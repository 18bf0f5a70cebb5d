import {
  PROGRESS_INTERVAL_MS,
  PROGRESS_MIN_BYTES,
  PROGRESS_MIN_FILES,
  ProgressIndicator,
} from '../../src/format/progress.js';

const CLEAR = '\r\u001b[2K';

function fakeTerminal(isTTY: boolean): { isTTY: boolean; written: string[]; write(text: string): boolean } {
  return {
    isTTY,
    written: [],
    write(text: string) {
      this.written.push(text);
      return true;
    },
  };
}

describe('ProgressIndicator', () => {
  test('draws, throttles and clears', () => {
    const stream = fakeTerminal(true);
    let now = 1_000;
    const progress = new ProgressIndicator({ stream, totalFiles: 100, totalBytes: 0, now: () => now });
    expect(progress.enabled).toBe(true);

    progress.update(1, 10);
    now += PROGRESS_INTERVAL_MS - 1;
    progress.update(2, 20);
    now += 1;
    progress.update(3, 30);
    progress.clear();
    progress.clear();

    expect(stream.written).toEqual([
      `${CLEAR}scanning: 1/100 files, 10 records`,
      `${CLEAR}scanning: 3/100 files, 30 records`,
      CLEAR,
    ]);
  });

  test('large input by bytes enables it', () => {
    const progress = new ProgressIndicator({
      stream: fakeTerminal(true),
      totalFiles: 1,
      totalBytes: PROGRESS_MIN_BYTES + 1,
      now: () => 0,
    });
    expect(progress.enabled).toBe(true);
  });

  test('small input draws nothing', () => {
    const stream = fakeTerminal(true);
    const progress = new ProgressIndicator({
      stream,
      totalFiles: PROGRESS_MIN_FILES,
      totalBytes: 10,
      now: () => 0,
    });
    progress.update(1, 1);
    progress.clear();
    expect(progress.enabled).toBe(false);
    expect(stream.written).toEqual([]);
  });

  test('not a terminal draws nothing', () => {
    const stream = fakeTerminal(false);
    const progress = new ProgressIndicator({ stream, totalFiles: 1000, totalBytes: 0, now: () => 0 });
    progress.update(1, 1);
    progress.clear();
    expect(stream.written).toEqual([]);
  });
});
