// The quality gate between bronze and silver. Silver hands it each table's batch of changes
// (inserts, updates, snapshot rows; never deletes); every rule of the table is evaluated on every
// record it applies to, and the outcome says which records go on to silver, which go to the
// quarantine table and why, the per-rule results for quality_results, and whether a `fail` rule
// broke, in which case the stage stops without committing the batch.
//
//   warn        the record goes on; the failure is counted
//   quarantine  the record is kept out of silver and written to quarantine/<schema>/<table>
//   fail        more failures than `mostly` allows stop the stage; fewer go on as warnings
//
// `mostly` is Great Expectations': the rule passes when (evaluated - failed) / evaluated >= mostly.
// A quarantined record is always kept out, whatever `mostly`; `mostly` only decides whether the
// rule as a whole passed (results, metrics, the report).

import { fileURLToPath } from 'node:url';
import { UserError } from '../common/errors.js';
import { logger } from '../common/log.js';
import type { Config } from '../common/config.js';
import { qualityCheckSeconds, qualityEvaluatedTotal, qualityFailedTotal, qualityQuarantinedTotal, qualityStopsTotal } from '../monitoring/metrics.js';
import { compileTable, type TablePlan } from './compile.js';
import { readRulesDir, ruleFileError } from './rules-files.js';
import type { Batch, GateContext, GateOutcome, GateRecord, QuarantineEntry, RuleResult } from './types.js';
import { lakeJson } from './values.js';

export type { GateContext, GateOutcome, GateRecord, QuarantineEntry, RuleResult } from './types.js';
export { keyString, recordKeyString } from './values.js';

const log = logger('quality');

/** The rules shipped with the project. */
export const DEFAULT_RULES_DIR = fileURLToPath(new URL('./rules', import.meta.url));

const SAMPLE_KEYS = 10;
const WARN_INTERVAL_MS = 60_000;

export interface GateOptions {
  /** A table without rules stops the stage (true) or passes unchecked with a warning (false, default). */
  failOnMissingRules?: boolean;
}

export interface CheckOptions {
  /** Records of other tables that passed the gate in this silver batch: foreign keys accept them. */
  sameBatch?: Record<string, GateRecord[]>;
  /**
   * Leave the metrics to the caller (countOutcome), for a stage that may judge the same batch
   * again (silver holding a batch for a late referenced row) and must count it once.
   */
  deferMetrics?: boolean;
}

export class QualityGate {
  private readonly order: string[];
  private readonly warnedMissing = new Set<string>();
  private readonly lastWarned = new Map<string, number>();

  private constructor(
    private readonly plans: Map<string, TablePlan>,
    readonly dir: string,
    private readonly opts: GateOptions,
  ) {
    this.order = dependencyOrder(plans);
  }

  /** Loads and compiles every rule file in `dir` (default: the project's quality/rules); a bad file is a UserError naming the file, the JSON path and the reason. */
  static load(dir: string = DEFAULT_RULES_DIR, opts: GateOptions = {}): QualityGate {
    const plans = new Map<string, TablePlan>();
    for (const files of readRulesDir(dir)) plans.set(files.table, compileTable(files));
    checkReferences(plans);
    return new QualityGate(plans, dir, opts);
  }

  static fromConfig(config: Config): QualityGate {
    return QualityGate.load(config.quality.rulesDir || DEFAULT_RULES_DIR, { failOnMissingRules: config.quality.failOnMissingRules });
  }

  /** Tables with rules, each after the tables it references. */
  tables(): string[] {
    return [...this.order];
  }

  /** Tables this table's expectations reference (foreign keys), so silver can process them first. */
  dependencies(table: string): string[] {
    return [...(this.plans.get(table)?.dependencies ?? [])];
  }

  /** The rules of a table, in evaluation order (the schema first). */
  rules(table: string): Array<{ name: string; type: string; action: string; mostly: number }> {
    return (this.plans.get(table)?.rules ?? []).map((r) => ({ name: r.name, type: r.type, action: r.action, mostly: r.mostly }));
  }

  /** Where a table's rules come from. */
  files(table: string): { schema: string; expectations: string } | undefined {
    const p = this.plans.get(table);
    return p && { schema: p.files.schemaFile, expectations: p.files.rulesFile };
  }

  async check(table: string, records: GateRecord[], ctx: GateContext, opts: CheckOptions = {}): Promise<GateOutcome> {
    const plan = this.plans.get(table);
    if (!plan) return this.unchecked(table, records);
    const started = process.hrtime.bigint();
    const n = records.length;
    const views = new Array<Record<string, unknown>>(n);
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      views[i] = plan.view(records[i]!.row);
      all[i] = i;
    }
    const batch: Batch = { table, records, views, selected: all, now: ctx.now().getTime(), ctx, sameBatch: opts.sameBatch ?? {} };
    const held: Array<Array<{ rule: string; message: string }> | undefined> = new Array(n);
    const results: RuleResult[] = [];
    let failure: GateOutcome['failure'];

    for (const rule of plan.rules) {
      const applies = rule.applies;
      const selected = applies ? all.filter((i) => applies(records[i]!, views[i]!)) : all;
      const ev = await rule.evaluate({ ...batch, selected });
      const failed = ev.groups ? ev.groups.length : ev.failures.length;
      const passed = ev.evaluated === 0 || ev.evaluated - failed >= rule.mostly * ev.evaluated - 1e-9;
      const sampleKeys = ev.groups
        ? ev.groups.slice(0, SAMPLE_KEYS).map((g) => g.key)
        : ev.failures.slice(0, SAMPLE_KEYS).map((f) => lakeJson(records[f.index]!.key));
      results.push({
        table, rule: rule.name, expectation: rule.type, action: rule.action, evaluated: ev.evaluated, failed,
        fraction: ev.evaluated === 0 ? 0 : failed / ev.evaluated, mostly: rule.mostly, passed, sampleKeys,
      });
      if (rule.action === 'quarantine') {
        for (const f of ev.failures) (held[f.index] ??= []).push({ rule: rule.name, message: f.message });
      } else if (rule.action === 'fail' && !passed && !failure) {
        const example = ev.groups?.[0]?.message ?? (ev.failures[0] ? `key ${sampleKeys[0]}: ${ev.failures[0].message}` : '');
        failure = { rule: rule.name, message: `${failed} of ${ev.evaluated} ${ev.groups ? 'windows' : 'records'} of ${table} broke rule ${rule.name} (more than mostly ${rule.mostly} allows); first: ${example}` };
      }
    }

    const passed: GateRecord[] = [];
    const quarantined: QuarantineEntry[] = [];
    for (let i = 0; i < n; i++) {
      const h = held[i];
      if (!h) passed.push(records[i]!);
      else {
        const [first, ...others] = h;
        const also = others.map((o) => `; also ${o.rule}: ${o.message}`).join('');
        quarantined.push({ record: records[i]!, rule: first!.rule, message: `${first!.message}${also}` });
      }
    }
    const outcome = { passed, quarantined, results, ...(failure ? { failure } : {}) };
    if (!opts.deferMetrics) this.countOutcome(table, outcome);
    qualityCheckSeconds.observe({ table }, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  /** Checks several tables' batches of one silver batch, referenced tables first, so a foreign key accepts a row that passed beside it. */
  async checkAll(batches: Record<string, GateRecord[]>, ctx: GateContext): Promise<Record<string, GateOutcome>> {
    const names = Object.keys(batches);
    const ordered = [...this.order.filter((t) => t in batches), ...names.filter((t) => !this.plans.has(t))];
    const sameBatch: Record<string, GateRecord[]> = {};
    const out: Record<string, GateOutcome> = {};
    for (const t of ordered) {
      out[t] = await this.check(t, batches[t]!, ctx, { sameBatch });
      sameBatch[t] = out[t]!.passed;
    }
    return out;
  }

  // A rule failing batch after batch would fill the log; results and metrics have every batch.
  private warnBelowMostly(table: string, rule: string, fields: Record<string, unknown>): void {
    const key = `${table}\u0000${rule}`;
    const now = Date.now();
    if (now - (this.lastWarned.get(key) ?? -Infinity) < WARN_INTERVAL_MS) return;
    this.lastWarned.set(key, now);
    log.warn(`rule ${rule} of ${table} is below its mostly (repeats are logged at most once a minute)`, fields);
  }

  private unchecked(table: string, records: GateRecord[]): GateOutcome {
    if (this.opts.failOnMissingRules) {
      throw new UserError(`no quality rules for table ${table}`, {
        where: this.dir,
        fix: `add ${table}.schema.json and ${table}.expectations.json to the rules folder (docs/quality.md), or set quality.failOnMissingRules=false to let unchecked tables through`,
      });
    }
    if (!this.warnedMissing.has(table)) {
      this.warnedMissing.add(table);
      log.warn(`no quality rules for ${table}: its records go to silver unchecked`, { rulesDir: this.dir });
    }
    return { passed: records, quarantined: [], results: [] };
  }

  /**
   * Counts a batch's verdicts in the metrics and warns of rules below their mostly, once per batch
   * that a stage acted on: a batch silver holds back (its foreign keys waiting for a referenced
   * table still filling) is judged again later, and its first verdict would report failures that
   * never reach quarantine (the first demo warned of 2,308 for 4 rows quarantined).
   */
  countOutcome(table: string, { results, quarantined, failure }: GateOutcome): void {
    for (const r of results) {
      if (r.evaluated) qualityEvaluatedTotal.inc({ table, rule: r.rule }, r.evaluated);
      if (r.failed) qualityFailedTotal.inc({ table, rule: r.rule }, r.failed);
      if (!r.passed && r.action !== 'fail') this.warnBelowMostly(table, r.rule, { failed: r.failed, evaluated: r.evaluated, mostly: r.mostly, action: r.action });
    }
    for (const q of quarantined) qualityQuarantinedTotal.inc({ table, rule: q.rule });
    if (failure) qualityStopsTotal.inc({ table, rule: failure.rule });
  }
}

/** The error a stage throws when a `fail` rule broke: the batch is not committed. */
export function qualityFailure(table: string, failure: NonNullable<GateOutcome['failure']>): UserError {
  return new UserError(`quality rule ${failure.rule} failed: ${failure.message}`, {
    where: table,
    fix: 'correct the source rows (or the rule, if it is wrong) and restart: the batch was not committed, so nothing is lost',
  });
}

function checkReferences(plans: Map<string, TablePlan>): void {
  for (const plan of plans.values()) {
    plan.files.rules.expectations.forEach((e, i) => {
      if (e.type !== 'foreign_key') return;
      const ref = plans.get(e.references.table);
      const path = `$.expectations[${i}].references`;
      if (!ref) {
        throw ruleFileError(plan.files.rulesFile, `${path}.table`, `table ${e.references.table} has no rules in this folder (tables: ${[...plans.keys()].join(', ')})`);
      }
      if (!ref.kinds.has(e.references.column)) {
        throw ruleFileError(plan.files.rulesFile, `${path}.column`, `column "${e.references.column}" is not in ${e.references.table}'s schema (${[...ref.kinds.keys()].join(', ')})`);
      }
    });
  }
}

function dependencyOrder(plans: Map<string, TablePlan>): string[] {
  const out: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (t: string, chain: string[]) => {
    if (state.get(t) === 'done') return;
    if (state.get(t) === 'visiting') {
      throw ruleFileError(plans.get(t)!.files.rulesFile, undefined, `foreign keys form a cycle: ${[...chain, t].join(' → ')}`, 'silver writes referenced tables first, so the references must not loop');
    }
    state.set(t, 'visiting');
    for (const d of plans.get(t)?.dependencies ?? []) if (plans.has(d)) visit(d, [...chain, t]);
    state.set(t, 'done');
    out.push(t);
  };
  for (const t of [...plans.keys()].sort()) visit(t, []);
  return out;
}
