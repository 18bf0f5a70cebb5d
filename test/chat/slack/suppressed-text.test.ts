/**
 * How Slack shows a finding that a suppression rule resolved: the reason in `show`, a mark in lists, and the
 * count in the daily summary.
 */
import { describe, expect, it } from '@jest/globals';
import { formatFindingLine, formatHistoryEntry } from '../../../src/chat/slack/query-blocks.js';
import { buildSummaryMessage } from '../../../src/chat/slack/summary.js';
import { emptyStoreData, type StoredFinding } from '../../../src/pipeline/ports.js';
import { buildDailySummary } from '../../../src/pipeline/summary.js';
import { suppressFinding } from '../../../src/pipeline/suppression.js';
import { sampleFinding, storedFinding } from '../../support/slack-harness.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const RULE = {
  accessKeyId: null,
  userName: 'alice',
  creatorArn: null,
  reason: 'Key drill <ops>',
  until: null,
};

function suppressed(id = 'kh-3f9a2c71d0'): StoredFinding {
  const stored = storedFinding(sampleFinding({ id }));
  suppressFinding(stored, RULE, NOW);
  return stored;
}

type Section = { text?: { text: string } };

describe('suppressed findings in Slack', () => {
  it('history line names the rule reason', () => {
    expect(formatHistoryEntry(suppressed().history[0]!)).toBe(
      '• <!date^1740830400^{date_num} {time_secs}|2025-03-01T12:00:00.000Z> suppression rule (config file): ' +
        'resolve as expected (Open → Resolved). Reason: Key drill &lt;ops&gt;',
    );
  });

  it('list line marks the finding', () => {
    expect(formatFindingLine(suppressed(), true)).toMatch(/ · Resolved \(suppressed\)$/);
    expect(formatFindingLine(suppressed(), false)).toMatch(/ · suppressed$/);
  });

  it('list line of an open finding has no mark', () => {
    expect(formatFindingLine(storedFinding(sampleFinding()), false)).not.toContain('suppressed');
  });

  it('summary counts suppressed findings', () => {
    const data = emptyStoreData();
    const open = storedFinding(sampleFinding({ id: 'kh-open', accessKeyId: 'AKIAEXAMPLE000000002' }));
    for (const stored of [suppressed('kh-quiet'), open]) data.findings[stored.finding.id] = stored;
    const summary = buildDailySummary(data, { now: NOW, timezone: 'UTC' });

    expect(summary.suppressed).toBe(1);
    const counts = (buildSummaryMessage(summary, false).blocks[1] as Section).text!.text;
    expect(counts.split('\n').slice(2)).toEqual([
      'By state: Open 1 · Escalated 0 · Acknowledged 0 · Resolved 1',
      'Suppressed by rules: 1 (counted as resolved)',
    ]);
  });

  it('summary without suppressed findings omits the line', () => {
    const data = emptyStoreData();
    const open = storedFinding(sampleFinding());
    data.findings[open.finding.id] = open;
    const summary = buildDailySummary(data, { now: NOW, timezone: 'UTC' });

    expect(summary.suppressed).toBe(0);
    const counts = (buildSummaryMessage(summary, false).blocks[1] as Section).text!.text;
    expect(counts).not.toContain('Suppressed');
  });
});
