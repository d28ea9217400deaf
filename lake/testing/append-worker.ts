// A separate process that appends numbered batches to a table the way the bronze writer will:
// each batch carries txn (appId, batch number) and is skipped if the table already has it.
// Used by the concurrency and kill -9 tests.
//   node --import tsx lake/testing/append-worker.ts <root> <path> <appId> <batches> <rowsPerBatch>
import { DeltaTable } from '../index.js';

const [root, path, appId, batches, perBatch] = process.argv.slice(2) as [string, string, string, string, string];
const table = await DeltaTable.open(root, path);
const start = (table.txnVersion(appId) ?? -1) + 1;
for (let b = start; b < Number(batches); b++) {
  const rows = Array.from({ length: Number(perBatch) }, (_, i) => ({ app: appId, batch: b, item: i, payload: `${appId}/${b}/${i}` }));
  const res = await table.append(rows, { txn: [{ appId, version: b }] });
  process.stdout.write(`${res.skipped ? 'skipped' : 'committed'} ${b} v${res.version}\n`);
}
