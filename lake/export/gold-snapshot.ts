// Which versions of the gold tables an export reads. Gold commits one table after another within
// a refresh, so reading them one by one could catch a refresh half done (activities_enriched of
// the new silver, kpis of the old). The export waits until every table records the same silver
// versions (a refresh takes well under a second), and says so in the manifest if it gave up.

import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../common/errors.js';
import { logger } from '../../common/log.js';
import { DeltaTable } from '../index.js';
import { txnAppId } from '../gold/gold-writer.js';
import { goldPath, type GoldModel } from '../gold/model.js';
import { GOLD_MODELS } from '../gold/models.js';
import { silverPath, SILVER_TABLES } from '../gold/silver-inputs.js';

const log = logger('export');

export interface GoldSnapshot {
  tables: Array<{ model: GoldModel; table: DeltaTable; silverVersions: Record<string, number> }>;
  /** Every table covers the same silver versions. */
  consistent: boolean;
}

export async function openGoldSnapshot(root: string, sourceSchema: string, opts: { waitMs?: number } = {}): Promise<GoldSnapshot> {
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  for (;;) {
    const tables: GoldSnapshot['tables'] = [];
    for (const model of GOLD_MODELS) {
      let table: DeltaTable;
      try {
        table = await DeltaTable.open(root, goldPath(model));
      } catch (e) {
        if (e instanceof UserError && /no Delta table/.test(e.message)) {
          throw new UserError(`there is no gold table ${goldPath(model)} to export`, {
            where: root,
            fix: "run 'lakehouse gold --once' (or 'lakehouse gold') first, with the same lake root",
          });
        }
        throw e;
      }
      const silverVersions: Record<string, number> = {};
      for (const t of model.dependsOn) {
        const v = table.txnVersion(txnAppId(silverPath(sourceSchema, t)));
        if (v !== undefined) silverVersions[silverPath(sourceSchema, t)] = v;
      }
      tables.push({ model, table, silverVersions });
    }
    const consistent = SILVER_TABLES.every((t) => new Set(tables.map((x) => x.silverVersions[silverPath(sourceSchema, t)]).filter((v) => v !== undefined)).size <= 1);
    if (consistent || Date.now() > deadline) {
      if (!consistent) log.warn('the gold tables cover different silver versions (a refresh is in flight or was interrupted); exporting them as they are');
      return { tables, consistent };
    }
    await sleep(200);
  }
}
