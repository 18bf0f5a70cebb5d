/**
 * The pure detection core: CloudTrail record -> key event -> paired finding -> enriched, scored finding.
 * No I/O, no SDK, no logger and no clock: everything arrives as arguments.
 */
export { normalizeRecord, ROOT_OWNER } from './normalize.js';
export type { NormalizedRecord } from './normalize.js';
export { Detector, detect, compareFindings } from './detector.js';
export type { DetectorOptions } from './detector.js';
export {
  buildFinding,
  isPairInWindow,
  principalKey,
  toIsoTime,
  MITRE_ADDITIONAL_CLOUD_CREDENTIALS,
  MITRE_ALTERNATE_AUTHENTICATION,
} from './enrich.js';
export type { FindingContext } from './enrich.js';
export { findingId } from './finding-id.js';
export { classifyUserAgent } from './user-agent.js';
export { scoreSeverity, SEVERITY_RULES } from './severity.js';
export type { SeverityFacts, SeverityRule } from './severity.js';
export * from './types.js';
