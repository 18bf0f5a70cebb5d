import { formatFindingsJson, formatFindingsNdjson } from '../../src/format/json.js';
import { exampleFinding } from './finding-example.js';

describe('JSON output', () => {
  const findings = [
    exampleFinding(),
    exampleFinding({ id: 'kh-0000000002', accessKeyId: 'AKIAEXAMPLEKEY000002' }),
  ];

  test('one array of findings', () => {
    const text = formatFindingsJson(findings);
    expect(text.endsWith(']\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(findings);
  });

  test('empty array when none', () => {
    expect(formatFindingsJson([])).toBe('[]\n');
  });

  test('NDJSON one finding per line', () => {
    const lines = formatFindingsNdjson(findings).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0]!)).toEqual(findings[0]);
    expect(JSON.parse(lines[1]!)).toEqual(findings[1]);
  });

  test('NDJSON empty when none', () => {
    expect(formatFindingsNdjson([])).toBe('');
  });
});
