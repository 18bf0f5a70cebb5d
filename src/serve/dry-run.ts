/**
 * The notifier of `keyhunt serve --dry-run`: it prints findings as JSON lines on stdout instead of posting
 * them, and records nothing in the store, so a later run with chat settings still posts them.
 */
import { formatFindingsNdjson } from '../format/json.js';
import type { Store, StoredFinding } from '../pipeline/ports.js';
import { isSuppressed } from '../pipeline/suppression.js';

export interface DryRunNotifierOptions {
  store: Store;
  stdout: NodeJS.WritableStream;
}

/**
 * Prints each stored finding that is posted nowhere yet, once per process, oldest deletion first. Findings
 * that a suppression rule resolved are not printed, as they are not posted; the poller logs them instead.
 */
export class DryRunNotifier {
  readonly #options: DryRunNotifierOptions;
  readonly #handled = new Set<string>();

  constructor(options: DryRunNotifierOptions) {
    this.#options = options;
  }

  async postPending(): Promise<void> {
    const { store, stdout } = this.#options;
    const pending = Object.values(store.read().findings)
      .filter(
        (stored) => !this.#handled.has(stored.finding.id) && isUnposted(stored) && !isSuppressed(stored),
      )
      .sort(
        (a, b) =>
          a.finding.deletedAt.localeCompare(b.finding.deletedAt) ||
          a.finding.accessKeyId.localeCompare(b.finding.accessKeyId),
      );

    for (const stored of pending) this.#handled.add(stored.finding.id);
    if (pending.length > 0) stdout.write(formatFindingsNdjson(pending.map((stored) => stored.finding)));
  }
}

function isUnposted(stored: StoredFinding): boolean {
  return stored.slack === null && Object.keys(stored.teams).length === 0;
}
