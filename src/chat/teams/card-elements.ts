/**
 * Small builders for Adaptive Card JSON, shared by every card keyhunt sends to Teams. Static labels go into
 * TextBlocks; values that come from CloudTrail, the store or a user go into TextRuns inside a RichTextBlock,
 * which Adaptive Cards render verbatim (a TextRun is never parsed as Markdown), so a crafted user agent cannot
 * turn into a link or formatting.
 */

/** One Adaptive Card element or action as plain JSON. */
export interface CardElement {
  type: string;
  [property: string]: unknown;
}

/** A whole Adaptive Card as plain JSON, the `content` of an attachment. */
export interface AdaptiveCard extends CardElement {
  type: 'AdaptiveCard';
  version: string;
  body: CardElement[];
}

/** The attachment content type Teams uses for Adaptive Cards, also the type of an invoke response card. */
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
/**
 * Teams documents Universal Actions (Action.Execute and `refresh`) for card version 1.5; with a lower version
 * some Teams clients do not render Action.Execute or refresh the card.
 */
export const CARD_VERSION = '1.5';
export const CARD_SCHEMA_URL = 'http://adaptivecards.io/schemas/adaptive-card.json';

export type TextColor = 'default' | 'attention' | 'warning' | 'good' | 'accent';
export type ContainerStyle = 'default' | 'emphasis' | 'attention' | 'warning' | 'good' | 'accent';

export interface RunStyle {
  weight?: 'bolder';
  color?: TextColor;
  size?: 'small' | 'medium' | 'large';
  isSubtle?: boolean;
}

/** Creates a card with Teams' full width, which the dense finding facts need. */
export function adaptiveCard(body: CardElement[], extra: Record<string, unknown> = {}): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: CARD_SCHEMA_URL,
    version: CARD_VERSION,
    body,
    ...extra,
    msteams: { width: 'Full' },
  };
}

/** Creates a TextBlock for static text that keyhunt itself wrote, such as a section heading. */
export function staticText(
  text: string,
  style: RunStyle & { spacing?: 'medium' | 'large' } = {},
): CardElement {
  const element = withRunStyle({ type: 'TextBlock', text, wrap: true }, style);
  if (style.spacing) element['spacing'] = style.spacing;
  return element;
}

/** Creates a TextRun, shown verbatim. */
export function run(text: string, style: RunStyle = {}): CardElement {
  return withRunStyle({ type: 'TextRun', text }, style);
}

/** Sets the text style properties that `style` gives on a TextBlock or TextRun, and returns the element. */
function withRunStyle(element: CardElement, style: RunStyle): CardElement {
  if (style.weight) element['weight'] = style.weight;
  if (style.color) element['color'] = style.color;
  if (style.size) element['size'] = style.size;
  if (style.isSubtle) element['isSubtle'] = true;
  return element;
}

/** Creates a paragraph of TextRuns. */
export function richText(inlines: CardElement[], spacing?: 'none' | 'small'): CardElement {
  const element: CardElement = { type: 'RichTextBlock', inlines };
  if (spacing) element['spacing'] = spacing;
  return element;
}

/** Creates a "Label: value" line with the label in bold and the value verbatim. */
export function factLine(label: string, value: string): CardElement {
  return richText([run(`${label}: `, { weight: 'bolder' }), run(value)], 'none');
}

/** Creates a line of verbatim text. */
export function textLine(text: string, style: RunStyle = {}): CardElement {
  return richText([run(text, style)], 'none');
}

/** Groups elements under a heading, with a separator line above. */
export function section(heading: string, items: CardElement[]): CardElement {
  return {
    type: 'Container',
    separator: true,
    spacing: 'medium',
    items: [staticText(heading, { weight: 'bolder' }), ...items],
  };
}

/** Creates a highlighted box, used for notices to the person who acted. */
export function styledContainer(style: ContainerStyle, items: CardElement[]): CardElement {
  return { type: 'Container', style, bleed: true, items };
}

/** Creates an Action.Execute (Universal Actions) carrying `data` back to the bot with the verb. */
export function executeAction(
  title: string,
  verb: string,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): CardElement {
  return { type: 'Action.Execute', title, verb, data, ...extra };
}
