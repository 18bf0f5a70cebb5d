/**
 * Machine-readable findings: one JSON array, or one finding per line (NDJSON) for streaming into other tools.
 */
import type { Finding } from '../detect/types.js';

/** Formats the findings as one pretty-printed JSON array followed by a newline; `[]` when there are none. */
export function formatFindingsJson(findings: readonly Finding[]): string {
  return `${JSON.stringify(findings, null, 2)}\n`;
}

/** Formats the findings as newline-delimited JSON, one compact finding per line; empty when there are none. */
export function formatFindingsNdjson(findings: readonly Finding[]): string {
  return findings.map((finding) => `${JSON.stringify(finding)}\n`).join('');
}
