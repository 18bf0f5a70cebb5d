/**
 * Text helpers for Slack's mrkdwn and plain_text fields. Everything that comes from CloudTrail goes through
 * `escapeMrkdwn` (or `inlineCode`), because a `<` in a user agent or ARN would otherwise start a link or a
 * mention, and `&` starts an entity. Both also replace control and bidirectional-override characters.
 */
import { replaceUnsafeCharacters } from '../text.js';

/** Block Kit limits from the Block Kit reference: header text 150, section text 3000, a field 2000. */
export const MAX_HEADER_CHARS = 150;
export const MAX_SECTION_CHARS = 3000;
export const MAX_FIELD_CHARS = 2000;
/** Fallback `text` of chat.postMessage is shown in notifications; Slack truncates it at 40,000 characters. */
export const MAX_FALLBACK_CHARS = 3000;

/**
 * Makes untrusted text safe for mrkdwn: control and bidirectional-override characters, line breaks included,
 * become U+FFFD, and the three characters Slack treats as control characters in text (&, < and >) are
 * escaped. Pass single values, not composed text whose line breaks should stay.
 */
export function escapeMrkdwn(text: string): string {
  return replaceUnsafeCharacters(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Formats a value as inline code with mrkdwn escaped. Backticks inside would end the code span, so they are
 * shown as straight quotes.
 */
export function inlineCode(text: string): string {
  return `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;
}

/** Formats an ISO time as a Slack date token, shown in each reader's own timezone; the fallback is the ISO text. */
export function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return escapeMrkdwn(iso);
  const seconds = Math.floor(ms / 1000);
  return `<!date^${seconds}^{date_num} {time_secs}|${escapeMrkdwn(iso)}>`;
}

/** Mentions a Slack user id (U..., W...) or user group id (S...) so Slack renders the name. */
export function mention(id: string): string {
  return id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`;
}
