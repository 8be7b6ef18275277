/**
 * Reference counts of the manifest versions running queries read, in one
 * gateway process. A query pins the version it planned against and releases
 * it when its result is closed; `oldestPinnedVersion()` is what the gateway
 * passes to collectGarbage (gc.ts), so no file a running query may still
 * open is deleted.
 */
export interface VersionPin {
  readonly version: number;
  /** Idempotent: a second call does nothing, so cleanup paths may all call it. */
  release(): void;
}

export class VersionPins {
  private readonly counts = new Map<number, number>();

  pinVersion(version: number): VersionPin {
    if (!Number.isSafeInteger(version) || version < 0) throw new RangeError(`manifest version must be a non-negative integer, got ${version}`);
    this.counts.set(version, (this.counts.get(version) ?? 0) + 1);
    let released = false;
    return {
      version,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.counts.get(version) ?? 1) - 1;
        if (left === 0) this.counts.delete(version);
        else this.counts.set(version, left);
      },
    };
  }

  /** The oldest version still pinned; undefined when no query holds one. */
  oldestPinnedVersion(): number | undefined {
    let oldest: number | undefined;
    for (const version of this.counts.keys()) if (oldest === undefined || version < oldest) oldest = version;
    return oldest;
  }

  /** Pins held on `version` (0 when none). */
  pinCount(version: number): number {
    return this.counts.get(version) ?? 0;
  }
}
