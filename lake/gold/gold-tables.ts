// Opening the gold tables: created on first use with the model's columns; a table written by an
// older release gets the model's new columns (and is then recomputed); a column whose type
// changed cannot be evolved in place, and gold is derived data, so the fix is to rebuild it.

import { UserError } from '../../common/errors.js';
import { DeltaTable } from '../index.js';
import { typeName } from '../kernel/schema.js';
import { goldPath, type GoldModel } from './model.js';

export interface OpenedGold {
  table: DeltaTable;
  /** Why its rows must be recomputed (it is new, or gained columns), or undefined. */
  recompute: string | undefined;
}

export async function openGoldTable(root: string, model: GoldModel): Promise<OpenedGold> {
  const path = goldPath(model);
  const table = await DeltaTable.openOrCreate(root, path, {
    columns: model.columns,
    description: `gold ${model.name} (lakehouse gold), key ${model.keys.join(', ')}`,
  });
  const fields = new Map(table.schema.fields.map((f) => [f.name, f]));
  const missing = model.columns.filter((c) => !fields.has(c.name));
  for (const c of model.columns) {
    const f = fields.get(c.name);
    if (f && f.nullable === false && c.nullable !== false) {
      throw new UserError(`gold table ${path} has column ${c.name} as NOT NULL, this release leaves it empty on some rows`, {
        where: `${root}/${path}`,
        fix: `gold is derived from silver: remove the folder ${path} and run 'lakehouse gold --full' to rebuild it`,
      });
    }
    if (f && typeName(f.type) !== typeName(c.type)) {
      throw new UserError(`gold table ${path} has column ${c.name} as ${typeName(f.type)}, this release computes it as ${typeName(c.type)}`, {
        where: `${root}/${path}`,
        fix: `gold is derived from silver: remove the folder ${path} and run 'lakehouse gold --full' to rebuild it`,
      });
    }
  }
  if (missing.length) await table.addColumns(missing.map((c) => ({ ...c, nullable: true })));
  const recompute = table.version === 0 ? `${path} is new` : missing.length ? `${path} gained columns ${missing.map((c) => c.name).join(', ')}` : undefined;
  return { table, recompute };
}
