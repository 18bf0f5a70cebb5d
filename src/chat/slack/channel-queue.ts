/**
 * One queue per Slack channel: tasks for the same channel run one at a time in call order, tasks for different
 * channels run independently. Slack limits chat.postMessage to about one message per second per channel
 * (Web API rate limits page), so posting in parallel to one channel only earns 429 responses.
 */
export class ChannelQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly lastStartMs = new Map<string, number>();

  /**
   * @param minIntervalMs least time between the starts of two tasks on the same channel; 0 for none.
   * @param sleep waits the given milliseconds; replaceable so tests need not wait.
   */
  constructor(
    private readonly minIntervalMs: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Runs `task` after every earlier task of `channel` has settled, and returns its result. */
  run<T>(channel: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(channel) ?? Promise.resolve();
    const result = previous.then(async () => {
      await this.waitForInterval(channel);
      this.lastStartMs.set(channel, Date.now());
      return task();
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(channel, tail);
    void tail.then(() => {
      if (this.tails.get(channel) === tail) this.tails.delete(channel);
    });
    return result;
  }

  /** Resolves when every queued task of every channel has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }

  private async waitForInterval(channel: string): Promise<void> {
    const last = this.lastStartMs.get(channel);
    if (last === undefined || this.minIntervalMs <= 0) return;
    const waitMs = last + this.minIntervalMs - Date.now();
    if (waitMs > 0) await this.sleep(waitMs);
  }
}
