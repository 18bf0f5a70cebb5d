/**
 * How Teams shows a finding that a suppression rule resolved: the reason in the `show` card's history, a
 * mark in lists, and the count on the daily summary card.
 */
import type { CardElement } from '../../../src/chat/teams/card-elements.js';
import { buildFindingCard } from '../../../src/chat/teams/cards.js';
import { buildSummaryCard, describeFindingBrief } from '../../../src/chat/teams/list-cards.js';
import { emptyStoreData, type StoredFinding } from '../../../src/pipeline/ports.js';
import { buildDailySummary } from '../../../src/pipeline/summary.js';
import { suppressFinding } from '../../../src/pipeline/suppression.js';
import { validateAdaptiveCard } from './adaptive-card-validator.js';
import { sampleFinding, storedFinding } from './fixtures.js';

const NOW = new Date('2023-07-10T13:00:00.000Z');
const RULE = { accessKeyId: null, userName: 'alice', creatorArn: null, reason: 'Key drill', until: null };

function suppressed(): StoredFinding {
  const stored = storedFinding();
  suppressFinding(stored, RULE, NOW);
  return stored;
}

function texts(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(texts);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as CardElement;
  const own = record.type === 'TextRun' || record.type === 'TextBlock' ? [record['text'] as string] : [];
  return [...own, ...Object.values(record).flatMap(texts)];
}

describe('suppressed findings in Teams', () => {
  test('show card history names the rule reason', () => {
    const card = buildFindingCard(suppressed(), { includeHistory: true });

    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(texts(card)).toContain(
      '2023-07-10 13:00:00 UTC: suppression rule (config file) resolved as expected. Reason: Key drill',
    );
  });

  test('list line marks the finding', () => {
    expect(describeFindingBrief(suppressed())).toMatch(/ · Resolved \(suppressed\)$/);
  });

  test('summary card counts suppressed findings', () => {
    const data = emptyStoreData();
    const open = storedFinding({}, sampleFinding({ id: 'kh-open', accessKeyId: 'AKIAEXAMPLEKEY000002' }));
    for (const stored of [suppressed(), open]) data.findings[stored.finding.id] = stored;
    const card = buildSummaryCard(buildDailySummary(data, { now: NOW, timezone: 'UTC' }));

    expect(validateAdaptiveCard(card)).toEqual([]);
    const lines = texts(card);
    const label = lines.indexOf('Suppressed by rules: ');
    expect(label).toBeGreaterThan(-1);
    expect(lines[label + 1]).toBe('1 (counted as resolved)');
  });
});
