// What every gold model declares: its Delta table, its key, and the silver tables it is computed
// from (whose versions its commits record, so a restart knows what the table covers).

import type { ColumnSpec } from '../index.js';
import type { SilverTable } from './silver-inputs.js';

export interface GoldModel {
  name: string;
  columns: ColumnSpec[];
  /** The columns that identify a row (merge key). */
  keys: string[];
  dependsOn: readonly SilverTable[];
}

export function goldPath(model: GoldModel | string): string {
  return `gold/${typeof model === 'string' ? model : model.name}`;
}
