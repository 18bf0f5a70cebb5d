/**
 * Adaptive Cards that list findings and poller health: the daily summary and the replies to `last`, `status`
 * and `user`. Pure functions over the platform-neutral models of src/pipeline.
 */
import { formatDuration } from '../../duration.js';
import type { StoredFinding } from '../../pipeline/ports.js';
import type { PollHealthReport } from '../../pipeline/query.js';
import type { DailySummary } from '../../pipeline/summary.js';
import {
  type AdaptiveCard,
  type CardElement,
  adaptiveCard,
  factLine,
  section,
  staticText,
  styledContainer,
  textLine,
} from './card-elements.js';
import {
  SEVERITY_LABELS,
  findingStateLabel,
  formatCount,
  formatSeverityCounts,
  formatStateCounts,
  limitList,
} from '../text.js';
import { cleanValue, describeTriageActor, formatUtc, keyOwnerLabel } from './card-text.js';

/** How many findings a list shows before it counts the rest, to keep a card well under Teams' 28 KB limit. */
export const MAX_LISTED_FINDINGS = 15;

/** Describes a finding in one line for lists: id, severity, owner, key, deletion time and state. */
export function describeFindingBrief(stored: StoredFinding): string {
  const { finding } = stored;
  return (
    `${cleanValue(finding.id)} · ${SEVERITY_LABELS[finding.severity]} · ${keyOwnerLabel(finding.userName)} · ` +
    `key ${cleanValue(finding.accessKeyId)} · deleted ${formatUtc(finding.deletedAt)} · ${findingStateLabel(stored)}`
  );
}

/** Lists up to MAX_LISTED_FINDINGS lines and counts the rest in a last line. */
export function listLines<T>(items: readonly T[], describe: (item: T) => string): CardElement[] {
  const { listed, more } = limitList(items, MAX_LISTED_FINDINGS);
  const lines = listed.map((item) => textLine(describe(item)));
  if (more) lines.push(textLine(more, { isSubtle: true }));
  return lines;
}

/** Describes poller health: last attempt and success, lag, counters, and every coverage gap as a warning. */
export function buildHealthSection(health: PollHealthReport, heading = 'Poller health'): CardElement {
  const items: CardElement[] = [
    factLine('Last successful poll', health.lastSuccessAt ? formatUtc(health.lastSuccessAt) : 'never'),
    factLine('Last attempt', health.lastAttemptAt ? formatUtc(health.lastAttemptAt) : 'never'),
    factLine('Read up to', health.cursor ? formatUtc(health.cursor) : 'nothing read yet'),
    factLine('Lag', health.lagMs === null ? 'unknown' : formatDuration(health.lagMs)),
    factLine(
      'Newest key event seen',
      health.lastEventSeenAt ? formatUtc(health.lastEventSeenAt) : 'none yet',
    ),
    factLine('Throttled requests', String(health.throttles)),
    factLine('Incomplete polls', String(health.incompletePolls)),
  ];
  if (health.lastError) items.push(factLine('Last error', cleanValue(health.lastError)));
  if (health.gaps.length > 0) {
    items.push(
      styledContainer(
        'warning',
        health.gaps.map((gap) => textLine(`⚠ ${cleanValue(gap)}`)),
      ),
    );
  } else {
    items.push(textLine('Coverage is complete.', { color: 'good' }));
  }
  return section(heading, items);
}

/**
 * Builds the daily summary card. `resend` adds a note that an interrupted earlier send may already have
 * delivered the same summary.
 */
export function buildSummaryCard(summary: DailySummary, options: { resend?: boolean } = {}): AdaptiveCard {
  const body: CardElement[] = [];
  if (options.resend) {
    body.push(
      styledContainer('warning', [
        textLine('An earlier send of this summary was interrupted, so it may appear twice.'),
      ]),
    );
  }
  body.push(
    staticText(`keyhunt daily summary for ${cleanValue(summary.localDate)}`, {
      weight: 'bolder',
      size: 'large',
    }),
  );
  body.push(
    textLine(`${formatUtc(summary.from)} to ${formatUtc(summary.to)} (${cleanValue(summary.timezone)})`, {
      isSubtle: true,
    }),
  );
  const counts = [
    factLine('Total', String(summary.total)),
    factLine('By severity', formatSeverityCounts(summary.bySeverity)),
    factLine('By state', formatStateCounts(summary.byState)),
  ];
  if (summary.suppressed > 0) {
    counts.push(factLine('Suppressed by rules', `${summary.suppressed} (counted as resolved)`));
  }
  body.push(section('Findings in the period', counts));

  const waiting =
    summary.unacknowledged.length === 0
      ? [textLine('None: every finding has been looked at.', { color: 'good' })]
      : listLines(
          summary.unacknowledged,
          (item) => `${describeFindingBrief(item.stored)} · waiting ${formatDuration(item.waitingMs)}`,
        );
  body.push(section(`Waiting for triage (${summary.unacknowledged.length})`, waiting));

  if (summary.topUsers.length > 0) {
    const users = summary.topUsers.map((user) =>
      textLine(`${keyOwnerLabel(user.userName)}: ${formatCount(user.count, 'finding')}`),
    );
    body.push(section('Key owners with the most findings', users));
  }
  const escalations =
    summary.escalations.length === 0
      ? [textLine('None.')]
      : listLines(
          summary.escalations,
          ({ stored, entry }) =>
            `${formatUtc(entry.at)}: ${describeTriageActor(entry.actor)} escalated ${describeFindingBrief(stored)}`,
        );
  body.push(section('Escalations in the period', escalations));
  body.push(buildHealthSection(summary.health));
  return adaptiveCard(body);
}
