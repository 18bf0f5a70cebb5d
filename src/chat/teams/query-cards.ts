/**
 * Renders the replies to the text commands (`last 24h`, `status`, `show ID`, `user NAME`, `help`) as Adaptive
 * Cards. Parsing and evaluation are the platform-neutral ones of src/pipeline/query.ts; this file only draws.
 */
import { COMMAND_USAGES, SHARE_MODIFIER, type CommandUsage, type QueryResult } from '../../pipeline/query.js';
import { STATE_LABELS } from '../../pipeline/triage.js';
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
import { cleanValue, formatUtc } from './card-text.js';
import { buildFindingCard } from './cards.js';
import { formatCount, formatStateCounts } from '../text.js';
import { buildHealthSection, describeFindingBrief, listLines } from './list-cards.js';

/**
 * A bot in a Teams channel cannot reply to one person only, so the Slack `share` modifier is accepted and
 * ignored, and help leaves it out.
 */
const SHARE_USAGE = `... ${SHARE_MODIFIER}`;

/** Builds the reply card to a command result. */
export function buildQueryCard(result: QueryResult): AdaptiveCard {
  switch (result.kind) {
    case 'period': {
      const groups = result.groups.map((group) =>
        section(
          `${STATE_LABELS[group.state]} (${group.findings.length})`,
          listLines(group.findings, describeFindingBrief),
        ),
      );
      return adaptiveCard([
        staticText(`Findings whose key was deleted in the last ${cleanValue(result.periodText)}`, {
          weight: 'bolder',
          size: 'large',
        }),
        textLine(
          `${formatUtc(result.from)} to ${formatUtc(result.to)}: ${formatCount(result.total, 'finding')}`,
          {
            isSubtle: true,
          },
        ),
        ...(groups.length > 0 ? groups : [textLine('No findings in this period.')]),
      ]);
    }
    case 'status':
      return adaptiveCard([
        staticText('keyhunt status', { weight: 'bolder', size: 'large' }),
        section('Stored findings', [
          factLine('Total', String(result.total)),
          factLine('By state', formatStateCounts(result.counts)),
        ]),
        buildHealthSection(result.health),
      ]);
    case 'finding':
      return buildFindingCard(result.stored, { includeHistory: true });
    case 'not-found':
      return adaptiveCard([
        textLine(`No finding with id ${cleanValue(result.findingId)} is stored.`),
        staticText(
          'Finding ids look like kh-3f9a2c71d0. Use "last 7d" to list recent findings with their ids.',
          {
            isSubtle: true,
          },
        ),
      ]);
    case 'user': {
      const name = cleanValue(result.userName);
      const lines =
        result.findings.length === 0
          ? [textLine(`No stored finding where ${name} owns, created or deleted the key.`)]
          : listLines(result.findings, describeFindingBrief);
      return adaptiveCard([
        staticText(`Findings for ${name}`, { weight: 'bolder', size: 'large' }),
        ...lines,
      ]);
    }
    case 'help':
      return buildHelpCard(result.commands, null);
    case 'usage':
      return buildHelpCard(result.commands, result.message);
  }
}

/** Builds the command list, with `problem` shown first when the text was not a valid command. */
export function buildHelpCard(
  commands: readonly CommandUsage[] = COMMAND_USAGES,
  problem: string | null = null,
): AdaptiveCard {
  const body: CardElement[] = [];
  if (problem !== null) body.push(styledContainer('attention', [textLine(cleanValue(problem))]));
  body.push(staticText('keyhunt commands', { weight: 'bolder', size: 'large' }));
  body.push(
    staticText(
      'In a channel or group chat, mention keyhunt before the command, such as "@keyhunt last 24h". ' +
        'In a personal chat, type the command alone. Answers go to the conversation where you asked.',
      { isSubtle: true },
    ),
  );
  const rows = commands
    .filter((command) => command.usage !== SHARE_USAGE)
    .map((command) => factLine(command.usage, command.description));
  body.push(section('Commands', rows));
  return adaptiveCard(body);
}
