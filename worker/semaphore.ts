/** Bounds how many tasks run at once (the worker's slots); the rest wait in arrival order. */
export class Semaphore {
  private readonly queue: Array<() => void> = [];

  constructor(private available: number) {}

  async acquire(): Promise<() => void> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    return this.releaser();
  }

  /** A slot if one is free now, without waiting. */
  tryAcquire(): (() => void) | undefined {
    if (this.available <= 0) return undefined;
    this.available--;
    return this.releaser();
  }

  /** Gives the held slot to the next waiter, or back; a second call does nothing. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.available++;
    };
  }

  get waiting(): number {
    return this.queue.length;
  }
}
