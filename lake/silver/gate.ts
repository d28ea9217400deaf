// The seam between silver and the quality gate: silver hands each batch of bronze changes (in
// change order) to a gate, which says which may go on, whether a `fail` rule stops the stage, and
// records its verdicts (quarantine, results) for the bronze version the batch ends at, so that a
// replayed batch records nothing twice. Without rules every change goes on.

import type { Row } from '../index.js';

export interface GateCheck {
  /** The changes that go on to silver, in the order given (deletes and truncates always do). */
  passed: Row[];
  /** A `fail` rule broke: silver stops before committing anything of the batch. */
  failure?: { rule: string; message: string };
  /**
   * The batch cannot be judged yet (a referenced row may still be on its way, e.g. an activity
   * whose employee's bronze table has not been applied yet): silver leaves the table for this
   * cycle, commits nothing, and tries the same batch again next cycle.
   */
  hold?: string;
  /** Writes quarantine and results for the batch, idempotently per bronze version. */
  record(bronzeVersion: number): Promise<void>;
}

export interface ChangeGate {
  /** The order to process tables in (referenced tables first, for foreign-key rules). */
  order(tables: string[]): string[];
  check(table: string, changes: Row[], keyColumns: string[]): Promise<GateCheck>;
}

export const passAll: ChangeGate = {
  order: (tables) => tables,
  check: async (_table, changes) => ({ passed: changes, record: async () => undefined }),
};
