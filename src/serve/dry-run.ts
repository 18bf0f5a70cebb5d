/**
 * The notifier of `keyhunt serve --dry-run`: it prints findings as JSON lines on stdout instead of posting
 * them, and records nothing in the store, so a later run with chat settings still posts them.
 */
import type { Logger } from 'pino';
import { formatFindingsNdjson } from '../format/json.js';
import type { Store, StoredFinding } from '../pipeline/ports.js';
import { findSuppression, type SuppressionRule } from '../pipeline/rules.js';

export interface DryRunNotifierOptions {
  store: Store;
  stdout: NodeJS.WritableStream;
  logger: Logger;
  suppress: readonly SuppressionRule[];
  clock: () => Date;
}

/**
 * Prints each stored finding that is posted nowhere yet, once per process, oldest deletion first. Findings
 * that match a suppression rule are logged instead of printed.
 */
export class DryRunNotifier {
  readonly #options: DryRunNotifierOptions;
  readonly #handled = new Set<string>();

  constructor(options: DryRunNotifierOptions) {
    this.#options = options;
  }

  async postPending(): Promise<void> {
    const { store, stdout, logger, suppress, clock } = this.#options;
    const pending = Object.values(store.read().findings)
      .filter((stored) => !this.#handled.has(stored.finding.id) && isUnposted(stored))
      .sort(
        (a, b) =>
          a.finding.deletedAt.localeCompare(b.finding.deletedAt) ||
          a.finding.accessKeyId.localeCompare(b.finding.accessKeyId),
      );

    const printed = [];
    for (const stored of pending) {
      this.#handled.add(stored.finding.id);
      const rule = findSuppression(suppress, stored.finding, clock());
      if (rule) {
        logger.info(
          { findingId: stored.finding.id, reason: rule.reason },
          'Suppressed a finding by a rule of the config file',
        );
        continue;
      }
      printed.push(stored.finding);
    }
    if (printed.length > 0) stdout.write(formatFindingsNdjson(printed));
  }
}

function isUnposted(stored: StoredFinding): boolean {
  return stored.slack === null && Object.keys(stored.teams).length === 0;
}
