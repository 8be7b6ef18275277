/**
 * Credit-based flow control: the worker may have at most `credits` batches in
 * flight; the gateway grants more as it consumes them. A slow client thus
 * slows the workers instead of filling the gateway's memory.
 */
export class CreditGate {
  private waiter: (() => void) | undefined;
  private closed = false;

  constructor(private credits: number) {}

  grant(count: number): void {
    this.credits += count;
    this.wake();
  }

  /** Resolves when a credit is available (and takes it), or when closed. */
  async take(): Promise<void> {
    while (this.credits <= 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
    this.credits--;
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
