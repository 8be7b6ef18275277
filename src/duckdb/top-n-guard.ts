/**
 * A guard against a wrong-results bug in DuckDB's top-N optimizer (seen in
 * 1.5.6): for `ORDER BY … LIMIT n` over an outer join, the TopN operator
 * pushes its dynamic filter on the ORDER BY column into the scan of the join's
 * NULL-extended side. Rows that the filter drops there leave rows of the
 * preserved side unmatched, and those come out NULL-extended — rows that are
 * not in the answer. `SELECT r.id FROM r RIGHT JOIN a ON a.k = r.k ORDER BY 1
 * NULLS FIRST LIMIT 20` returns NULLs although the join has none
 * (test/differential/regressions: fuzz-ed17fd9dd6).
 *
 * Turning the top_n optimizer off avoids it (ORDER BY + LIMIT then sorts in
 * full: correct, slower). The setting is global to a DuckDB instance, so a
 * statement that needs it holds this guard while it is planned and runs; the
 * first holder turns the optimizer off, the last one turns it back on. Other
 * statements meanwhile only lose the optimization, never correctness.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export class TopNGuard {
  private holders = 0;
  /** The last SET issued: every change waits for the one before (they run in order). */
  private applied: Promise<void> = Promise.resolve();

  /** `connection`: one of the instance's own, used for nothing but this setting. */
  constructor(private readonly connection: DuckDBConnection) {}

  /** Resolves once top_n is off for the instance; call the returned function when the statement has ended. */
  async hold(): Promise<() => void> {
    if (this.holders++ === 0) this.applied = this.set("'top_n'");
    try {
      await this.applied;
    } catch (error) {
      this.leave();
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.leave();
    };
  }

  /** Resolves once the last change of the setting has been applied (tests). */
  async settled(): Promise<void> {
    await this.applied.catch(() => undefined);
  }

  private leave(): void {
    if (--this.holders === 0) this.applied = this.set("''");
  }

  private set(value: string): Promise<void> {
    return this.applied.catch(() => undefined).then(async () => void (await this.connection.run(`SET disabled_optimizers = ${value}`)));
  }
}
