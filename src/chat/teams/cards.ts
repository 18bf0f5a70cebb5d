/**
 * The Adaptive Card of one finding: the same facts as the Slack message, its triage state with who and when,
 * and Universal Actions (Action.Execute) for the triage actions that still apply. Pure: stored finding in,
 * card JSON out. The card is rebuilt from the store after every change and on every refresh.
 */
import type { Finding, Severity } from '../../detect/types.js';
import { formatDuration } from '../../duration.js';
import type { Resolution, StoredFinding, TriageAction, TriageHistoryEntry } from '../../pipeline/ports.js';
import { RESOLUTIONS, RESOLUTION_LABELS, availableActions } from '../../pipeline/triage.js';
import {
  type AdaptiveCard,
  type CardElement,
  type ContainerStyle,
  type TextColor,
  adaptiveCard,
  executeAction,
  factLine,
  richText,
  run,
  section,
  styledContainer,
  textLine,
} from './card-elements.js';
import {
  SEVERITY_LABELS,
  describeFindingNotes,
  describePrincipal,
  formatCounts,
  severityReasonsHeading,
} from '../text.js';
import {
  cleanValue,
  describeCaller,
  describeState,
  describeTriageActor,
  describeUsage,
  formatUtc,
  keyOwnerLabel,
} from './card-text.js';

/** Verbs of the card's Action.Execute buttons; the invoke handler maps them back with `decodeVerb`. */
export const TRIAGE_VERBS: Readonly<Record<TriageAction, string>> = {
  acknowledge: 'finding.acknowledge',
  escalate: 'finding.escalate',
  resolve: 'finding.resolve',
  reopen: 'finding.reopen',
};
/** Verb of the card's `refresh` action, which only rebuilds the card from the store. */
export const REFRESH_VERB = 'finding.refresh';
/** Id of the reason input of the resolve form; Teams adds its value to the action data under this key. */
export const RESOLUTION_INPUT_ID = 'resolution';

export type DecodedVerb = { kind: 'refresh' } | { kind: 'triage'; action: TriageAction };

/** A message shown at the top of the card returned to the person who acted, such as a rejection. */
export interface CardNotice {
  text: string;
  style: Extract<ContainerStyle, 'attention' | 'warning' | 'good' | 'emphasis'>;
}

export interface FindingCardOptions {
  notice?: CardNotice | null;
  /** Adds the full triage history, for the `show` command. */
  includeHistory?: boolean;
}

const SEVERITY_COLORS: Readonly<Record<Severity, TextColor>> = {
  critical: 'attention',
  high: 'attention',
  medium: 'warning',
  low: 'default',
};

const ACTION_TITLES: Readonly<Record<TriageAction, string>> = {
  acknowledge: 'Acknowledge',
  escalate: 'Escalate',
  resolve: 'Resolve…',
  reopen: 'Reopen',
};

const HISTORY_VERBS: Readonly<Record<TriageAction, string>> = {
  acknowledge: 'acknowledged',
  escalate: 'escalated',
  resolve: 'resolved',
  reopen: 'reopened',
};

/** Maps an Action.Execute verb from a card back to what it asks for; null for verbs keyhunt never sends. */
export function decodeVerb(verb: unknown): DecodedVerb | null {
  if (verb === REFRESH_VERB) return { kind: 'refresh' };
  const action = (Object.keys(TRIAGE_VERBS) as TriageAction[]).find((key) => TRIAGE_VERBS[key] === verb);
  return action ? { kind: 'triage', action } : null;
}

/** Builds the card of a stored finding in its current state. */
export function buildFindingCard(stored: StoredFinding, options: FindingCardOptions = {}): AdaptiveCard {
  const { finding } = stored;
  const body: CardElement[] = [];
  if (options.notice) body.push(styledContainer(options.notice.style, [textLine(options.notice.text)]));
  body.push(...buildHeader(finding));
  body.push(
    styledContainer('emphasis', [
      richText([run('State: ', { weight: 'bolder' }), run(describeState(stored))]),
    ]),
  );
  if (options.includeHistory) body.push(buildHistory(stored.history));
  body.push(buildKeySection(finding));
  body.push(
    section(
      'Created by',
      describeCaller(finding.creator).map(([label, value]) => factLine(label, value)),
    ),
  );
  body.push(
    section(
      finding.creatorIsDeleter ? 'Deleted by the same principal' : 'Deleted by',
      describeCaller(finding.deleter).map(([label, value]) => factLine(label, value)),
    ),
  );
  body.push(
    section(
      'Key use during its lifetime',
      describeUsage(finding.usage).map((line) => textLine(line)),
    ),
  );
  body.push(buildActivitySection(finding));
  if (finding.mitre.length > 0) body.push(buildMitreSection(finding));
  if (finding.severityReasons.length > 0) {
    const heading = severityReasonsHeading(finding.severity);
    body.push(
      section(
        heading,
        finding.severityReasons.map((reason) => textLine(`• ${cleanValue(reason)}`)),
      ),
    );
  }
  body.push(textLine(`Finding ${finding.id}`, { isSubtle: true }));

  const refresh = {
    action: executeAction('Refresh', REFRESH_VERB, { findingId: finding.id }),
  };
  return adaptiveCard(body, { refresh, actions: buildActions(stored) });
}

/** Builds the headline: severity and key owner, then the key, account and Region. */
function buildHeader(finding: Finding): CardElement[] {
  const lifetime = formatDuration(finding.lifetimeSeconds * 1000);
  const severity = SEVERITY_LABELS[finding.severity];
  const headline = richText([
    run(`${severity}: `, { weight: 'bolder', size: 'large', color: SEVERITY_COLORS[finding.severity] }),
    run(`access key of ${keyOwnerLabel(finding.userName)} created and deleted within ${lifetime}`, {
      weight: 'bolder',
      size: 'large',
    }),
  ]);
  const account = finding.accountId ? `account ${cleanValue(finding.accountId)}` : 'unknown account';
  const region = finding.region ? cleanValue(finding.region) : 'unknown Region';
  return [
    headline,
    textLine(`${cleanValue(finding.accessKeyId)} in ${account}, ${region}`, { isSubtle: true }),
  ];
}

function buildKeySection(finding: Finding): CardElement {
  const items = [
    factLine('Access key', cleanValue(finding.accessKeyId)),
    factLine('Key owner', keyOwnerLabel(finding.userName)),
    factLine('Account', finding.accountId ? cleanValue(finding.accountId) : 'unknown'),
    factLine('Region', finding.region ? cleanValue(finding.region) : 'unknown'),
    factLine('Created', formatUtc(finding.createdAt)),
    factLine('Deleted', formatUtc(finding.deletedAt)),
    factLine('Lifetime', formatDuration(finding.lifetimeSeconds * 1000)),
  ];
  for (const note of describeFindingNotes(finding)) items.push(textLine(note));
  return section('Key', items);
}

/** Builds the counts of the key owner, and of the creator and deleter when they are someone else. */
function buildActivitySection(finding: Finding): CardElement {
  const items = [factLine(`Key owner ${keyOwnerLabel(finding.userName)}`, formatCounts(finding.userCounts))];
  if (finding.createdForAnotherUser) {
    items.push(factLine(`Creator ${principalLabel(finding.creator)}`, formatCounts(finding.creatorCounts)));
  }
  const deleterIsOwner = finding.deleter.userName !== null && finding.deleter.userName === finding.userName;
  if (!finding.creatorIsDeleter && !deleterIsOwner) {
    items.push(factLine(`Deleter ${principalLabel(finding.deleter)}`, formatCounts(finding.deleterCounts)));
  }
  return section('Activity in the scanned period', items);
}

function principalLabel(actor: Finding['creator']): string {
  return describePrincipal(actor, (principal) => cleanValue(principal));
}

function buildMitreSection(finding: Finding): CardElement {
  const lines = finding.mitre.map((technique) => {
    const url = `https://attack.mitre.org/techniques/${encodeURIComponent(technique.id).replace('.', '/')}/`;
    return richText(
      [
        {
          ...run(cleanValue(technique.id), { color: 'accent' }),
          selectAction: { type: 'Action.OpenUrl', url },
        },
        run(` ${cleanValue(technique.name)}`),
      ],
      'none',
    );
  });
  return section('MITRE ATT&CK', lines);
}

function buildHistory(history: readonly TriageHistoryEntry[]): CardElement {
  if (history.length === 0) return section('Triage history', [textLine('No triage changes yet.')]);
  const lines = history.map((entry) => {
    const resolution = entry.resolution ? ` as ${RESOLUTION_LABELS[entry.resolution]}` : '';
    const reason = entry.reason === undefined ? '' : `. Reason: ${cleanValue(entry.reason)}`;
    return textLine(
      `${formatUtc(entry.at)}: ${describeTriageActor(entry.actor)} ${HISTORY_VERBS[entry.action]}${resolution}${reason}`,
    );
  });
  return section('Triage history', lines);
}

/** Builds one action per triage action that applies to the current state; resolve opens a form for the reason. */
function buildActions(stored: StoredFinding): CardElement[] {
  const data = { findingId: stored.finding.id };
  return availableActions(stored.state).map((action): CardElement => {
    if (action === 'resolve') return buildResolveForm(data);
    const style =
      action === 'acknowledge'
        ? { style: 'positive' }
        : action === 'escalate'
          ? { style: 'destructive' }
          : {};
    return executeAction(ACTION_TITLES[action], TRIAGE_VERBS[action], data, style);
  });
}

function buildResolveForm(data: { findingId: string }): CardElement {
  const choices = RESOLUTIONS.map((resolution: Resolution) => ({
    title: capitalize(RESOLUTION_LABELS[resolution]),
    value: resolution,
  }));
  return {
    type: 'Action.ShowCard',
    title: ACTION_TITLES.resolve,
    card: {
      type: 'AdaptiveCard',
      body: [
        {
          type: 'Input.ChoiceSet',
          id: RESOLUTION_INPUT_ID,
          label: 'Reason',
          style: 'expanded',
          isRequired: true,
          errorMessage: 'Choose why the finding is resolved.',
          choices,
        },
      ],
      actions: [executeAction('Resolve', TRIAGE_VERBS.resolve, data, { associatedInputs: 'auto' })],
    },
  };
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
