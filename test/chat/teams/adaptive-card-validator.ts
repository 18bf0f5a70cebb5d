/**
 * Validates card JSON with Microsoft's `adaptivecards` renderer library, without rendering. The package's ES
 * module build imports its own files without extensions, which Node cannot resolve, so the UMD bundle is
 * loaded through `require`; parsing and property validation need no DOM.
 */
import { createRequire } from 'node:module';
import type * as AdaptiveCardsModule from 'adaptivecards';

const AdaptiveCards = createRequire(import.meta.url)(
  'adaptivecards/dist/adaptivecards.js',
) as typeof AdaptiveCardsModule;

/**
 * Parses a card for schema version 1.5 and lists every parse event, validation failure and property that the
 * library drops when it serializes the card again (an unknown or misspelled property). Empty means valid.
 */
export function validateAdaptiveCard(card: object): string[] {
  const context = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_5);
  const parsed = new AdaptiveCards.AdaptiveCard();
  parsed.parse(card, context);

  const problems: string[] = [];
  for (let index = 0; index < context.eventCount; index++) {
    const event = context.getEventAt(index);
    problems.push(`parse: ${event.message}`);
  }
  for (const event of parsed.validateProperties().validationEvents) {
    problems.push(`validation: ${event.message}`);
  }
  const serialized = parsed.toJSON(context) as object | undefined;
  problems.push(...listDroppedProperties(card, serialized ?? {}, '$'));
  return problems;
}

/** Properties the library does not model and so cannot check; each is one Teams documents. */
const TEAMS_EXTENSIONS = new Set(['$.msteams']);

function listDroppedProperties(input: unknown, output: unknown, path: string): string[] {
  if (TEAMS_EXTENSIONS.has(path)) return [];
  if (Array.isArray(input)) {
    const outputArray = Array.isArray(output) ? output : [];
    return input.flatMap((item, index) =>
      listDroppedProperties(item, outputArray[index], `${path}[${index}]`),
    );
  }
  if (typeof input !== 'object' || input === null) return [];
  const outputObject = (typeof output === 'object' && output !== null ? output : {}) as Record<
    string,
    unknown
  >;
  return Object.entries(input).flatMap(([key, value]) => {
    const childPath = `${path}.${key}`;
    if (TEAMS_EXTENSIONS.has(childPath)) return [];
    if (!(key in outputObject)) return [`dropped: ${childPath}`];
    return listDroppedProperties(value, outputObject[key], childPath);
  });
}
