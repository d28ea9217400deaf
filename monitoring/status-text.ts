// The status report as text tables for a terminal.

import { ago, bytes, textTable } from '../cli/text-table.js';
import type { StatusReport } from './status.js';

export function statusText(r: StatusReport, qualityDays: number): string {
  const now = new Date(r.at);
  const out: string[] = [`lakehouse status at ${r.at} (lake ${r.lakeRoot})`, ''];

  const notRead = (source: string) => `  (not read: ${source === 'postgres' ? 'PostgreSQL' : `the ${source}`} did not answer; see "Not read" below)`;

  out.push('Replication slot');
  if (r.slot === null) out.push(notRead('postgres'));
  else if (!r.slot.exists) out.push(`  ${r.slot.slot} does not exist yet (lakehouse cdc creates it)`);
  else {
    const s = r.slot;
    out.push(textTable(['slot', 'active', 'lag', 'lag seconds', 'confirmed LSN', 'WAL status'], [[
      s.slot, s.active ? 'yes' : 'no', s.lagBytes === null ? '' : bytes(s.lagBytes), s.lagSeconds === null ? '' : s.lagSeconds.toFixed(1), s.confirmedLsn ?? '', s.walStatus ?? '',
    ]]));
    if (!s.active) {
      out.push(`  No capture reads ${s.slot}: PostgreSQL keeps${s.lagBytes === null ? '' : ` its ${bytes(s.lagBytes)} of`} WAL, and every write to any`,
        `  database of the server adds to it, until 'lakehouse cdc' runs again. If this capture is gone for`,
        `  good, drop it: select pg_drop_replication_slot('${s.slot.replace(/'/g, "''")}');`);
    }
  }
  if (r.idleSlots.length) {
    out.push('', 'Other replication slots nothing reads (each keeps WAL for the whole server)');
    out.push(textTable(['slot', 'database', 'WAL held'], r.idleSlots.map((s) => [s.slot, s.database ?? '', bytes(s.heldBytes)])));
    out.push("  drop one no capture will read again: select pg_drop_replication_slot('<slot>');");
  }

  out.push('', 'Change topics');
  out.push(r.errors.broker ? notRead('broker') : r.topics.length ? textTable(['topic', 'partitions', 'messages'], r.topics.map((t) => [t.topic, t.partitions, t.messages])) : '  (none)');

  out.push('', 'Consumer lag');
  const perTopic = new Map<string, { group: string; topic: string; partitions: number; lag: number }>();
  for (const g of r.groups) {
    const k = `${g.group} ${g.topic}`;
    const e = perTopic.get(k) ?? { group: g.group, topic: g.topic, partitions: 0, lag: 0 };
    e.partitions++;
    e.lag += g.lag;
    perTopic.set(k, e);
  }
  out.push(r.errors.broker ? notRead('broker') : perTopic.size ? textTable(['group', 'topic', 'partitions', 'lag (messages)'], [...perTopic.values()].map((e) => [e.group, e.topic, e.partitions, e.lag])) : '  (no group has read a change topic yet)');

  out.push('', 'Lake tables');
  out.push(r.errors.lake ? notRead('lake') : r.lake.tables.length
    ? textTable(
      ['table', 'version', 'rows', 'files', 'size', 'last commit', 'silver lag', 'gold lag'],
      r.lake.tables.map((t) => [
        t.path, t.version, t.rows, t.files, bytes(t.bytes),
        t.lastCommit ? `${t.lastCommit.toISOString().replace(/\.\d+Z$/, 'Z')} (${ago(t.lastCommit, now)})` : '',
        r.lake.silverLag[t.path] ?? (r.lake.silverSkipped[t.path] ? 'no key: not in silver' : ''), r.lake.goldLag[t.path] ?? '',
      ]),
    ) + '\n  silver lag: bronze versions the silver table has not applied; gold lag: its versions gold has not applied' +
      (Object.keys(r.lake.silverSkipped).length ? '\n  no key: the source table has no primary key, so silver keeps no current state of it (its changes are in bronze)' : '')
    : '  (no table yet)');

  out.push('', `Quality (last ${qualityDays} day${qualityDays === 1 ? '' : 's'})`);
  out.push(r.errors.quality ? notRead('quality results table') : r.quality.length
    ? textTable(['table', 'rule', 'action', 'evaluated', 'failed', 'failed %', 'latest batch'], r.quality.map((q) => [
      q.table, q.rule, q.action, q.evaluated, q.failed, (q.failureRate * 100).toFixed(2), `${q.lastPassed ? 'passed' : 'FAILED'} ${ago(q.lastBatch, now)}`,
    ]))
    : '  (no results)');

  const errors = Object.entries(r.errors);
  if (errors.length) {
    out.push('', 'Not read');
    for (const [source, message] of errors) out.push(`  ${source}: ${message}`);
  }
  return out.join('\n');
}
