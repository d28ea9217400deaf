// The gate's contract with the silver writer (re-exported by gate.ts), and the internal shape of a
// compiled rule.

import type { Action, ExpectationType } from './rules-format.js';

export interface GateRecord {
  /** 'public.activities' */
  table: string;
  /** Primary key columns and values. */
  key: Record<string, unknown>;
  /** Unique change position (orders changes). */
  position: string;
  lsn: bigint | null;
  /** Deletes and truncates are never given to the gate. */
  op: 'c' | 'u' | 'r';
  /** The after image as the lake's values (lake/kernel/values.ts). */
  row: Record<string, unknown>;
}

export interface GateContext {
  /**
   * Which of `values` exist in `column` of another table's current state (silver), as keyString()
   * texts; used by foreign-key and unique-against-silver expectations.
   */
  lookup(table: string, column: string, values: unknown[]): Promise<Set<string>>;
  /**
   * Optional: for each of `values` present in `column`, the keys (recordKeyString of `keyColumns`)
   * of the rows holding it. With it a unique expectation also checks updates and snapshot rows
   * against silver (a row keeping its own value is no duplicate); without it only inserts are.
   */
  owners?(table: string, column: string, values: unknown[], keyColumns: string[]): Promise<Map<string, string[]>>;
  now(): Date;
}

export interface RuleResult {
  table: string;
  rule: string;
  expectation: string;
  action: Action;
  evaluated: number;
  failed: number;
  /** failed / evaluated (0 when nothing was evaluated). */
  fraction: number;
  mostly: number;
  /** (evaluated - failed) / evaluated >= mostly. */
  passed: boolean;
  sampleKeys: string[];
}

export interface QuarantineEntry {
  record: GateRecord;
  rule: string;
  message: string;
}

export interface GateOutcome {
  /** Go on to silver (records that only broke warn rules included). */
  passed: GateRecord[];
  quarantined: QuarantineEntry[];
  results: RuleResult[];
  /** A 'fail' rule broke: the stage must stop without committing the batch. */
  failure?: { rule: string; message: string };
}

export type ColumnKind = 'number' | 'date' | 'timestamp' | 'string' | 'boolean' | 'other';

/** What a rule sees of a batch. */
export interface Batch {
  table: string;
  records: GateRecord[];
  views: Record<string, unknown>[];
  /** Indices of the records this rule applies to (its ops and when). */
  selected: number[];
  now: number;
  ctx: GateContext;
  /** Records of other tables that passed the gate in the same silver batch (foreign keys accept them). */
  sameBatch: Record<string, GateRecord[]>;
}

export interface Evaluation {
  evaluated: number;
  /** Records that broke the rule. */
  failures: Array<{ index: number; message: string }>;
  /** Windows or groups that broke a batch-level rule. */
  groups?: Array<{ key: string; message: string }>;
}

export interface CompiledRule {
  name: string;
  type: ExpectationType | 'schema';
  action: Action;
  mostly: number;
  /** Records the rule applies to; undefined means all. */
  applies?: (record: GateRecord, view: Record<string, unknown>) => boolean;
  /** Tables whose current state the rule reads (foreign keys). */
  references?: string[];
  evaluate(batch: Batch): Evaluation | Promise<Evaluation>;
}
