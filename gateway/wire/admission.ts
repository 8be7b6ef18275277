/**
 * The --max-connections limit. A connection takes a slot when its startup
 * packet arrives (so CancelRequests and SSL negotiation never count, as in
 * PostgreSQL) and gives it back when it closes.
 */
export class Admission {
  private active = 0;

  constructor(readonly limit: number) {}

  /** A release function, or undefined when the gateway is full. */
  tryAcquire(): (() => void) | undefined {
    if (this.active >= this.limit) return undefined;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }
}
