import { formatDuration, parseDuration } from '../src/duration.js';

describe('parseDuration', () => {
  test.each([
    ['90s', 90_000],
    ['20m', 1_200_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    [' 7D ', 604_800_000],
    ['0s', 0],
  ])('%s is %d ms', (text, expected) => {
    expect(parseDuration(text)).toBe(expected);
  });

  test.each(['', '24', 'h', '1.5h', '-1h', '1w', '24 hours', '9999999999999999d'])(
    '%s is invalid',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );
});

describe('formatDuration', () => {
  test.each([
    [0, '0s'],
    [235_000, '3m 55s'],
    [3_600_000, '1h'],
    [5_400_000, '1h 30m'],
    [86_400_000, '1d'],
    [108_000_000, '1d 6h'],
  ])('%d ms is %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});
