// hr_declaration_flags: the sporting commute declarations the bonus rule refused, one row per
// employee, with what HR needs to check them: the address and the commune it was located in,
// the declared and the computed home-to-office distance and how it was computed, the limit, by
// how much it is exceeded, which check failed, the reason in words, and the bonus withheld.

import type { Row } from '../index.js';
import { bonusDecision, centsText, km2 } from './bonus.js';
import type { GoldModel } from './model.js';
import type { GoldRules } from './rules.js';
import type { Employee } from './silver-inputs.js';

export const HR_DECLARATION_FLAGS: GoldModel = {
  name: 'hr_declaration_flags',
  keys: ['employee_id'],
  dependsOn: ['employees'],
  columns: [
    { name: 'employee_id', type: 'integer', nullable: false },
    { name: 'first_name', type: 'string' },
    { name: 'last_name', type: 'string' },
    { name: 'business_unit', type: 'string' },
    { name: 'address', type: 'string' },
    { name: 'commute_mode', type: 'string' },
    { name: 'commute_distance_km', type: 'decimal(6,2)' },
    { name: 'distance_limit_km', type: 'decimal(6,2)' },
    { name: 'excess_km', type: 'decimal(8,2)' },
    { name: 'bonus_withheld', type: 'decimal(10,2)' },
    { name: 'reason', type: 'string', nullable: false },
    { name: 'failed_check', type: 'string' },
    { name: 'home_commune', type: 'string' },
    { name: 'home_distance_km', type: 'decimal(6,2)' },
    { name: 'distance_method', type: 'string' },
  ],
};

/** The flag for an employee whose declaration was refused, or null. */
export function declarationFlag(e: Employee, rules: GoldRules): Row | null {
  const bonus = bonusDecision(e, rules);
  if (bonus.status !== 'refused') return null;
  return {
    employee_id: e.employee_id,
    first_name: e.first_name,
    last_name: e.last_name,
    business_unit: e.business_unit,
    address: e.address,
    commute_mode: e.commute_mode,
    commute_distance_km: e.commute_distance_km,
    distance_limit_km: km2(bonus.limitKm),
    excess_km: km2(bonus.excessKm),
    bonus_withheld: bonus.amountCents === undefined ? null : centsText(bonus.amountCents),
    reason: bonus.reason!,
    failed_check: bonus.failedCheck,
    home_commune: bonus.homeCommune,
    home_distance_km: km2(bonus.homeKm),
    distance_method: bonus.homeMethod,
  };
}
