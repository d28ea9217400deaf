// The gold models, in the order a refresh commits them (kpis last: it summarises the others).

import { ACTIVITIES_ENRICHED } from './activities-enriched.js';
import { EMPLOYEE_BENEFITS } from './employee-benefits.js';
import { HR_DECLARATION_FLAGS } from './hr-declaration-flags.js';
import { KPIS } from './kpis.js';
import { MATCH_CROWD } from './match-crowd.js';
import type { GoldModel } from './model.js';

export const GOLD_MODELS: readonly GoldModel[] = [ACTIVITIES_ENRICHED, EMPLOYEE_BENEFITS, HR_DECLARATION_FLAGS, MATCH_CROWD, KPIS];
