// The sport bonus rule, shared by employee_benefits (what is paid) and hr_declaration_flags (what
// HR must check): a sporting commute mode with a plausible declared distance earns a percentage of
// the gross annual salary. Money is integer cents, rounded half up once, at the end.

import { compareDecimal, divRound, formatScaled, parseDecimal, rescale, subtract, type Decimal } from './decimal.js';
import type { GoldRules } from './rules.js';
import type { Employee } from './silver-inputs.js';

export type BonusStatus = 'paid' | 'refused' | 'not_eligible';

export interface BonusDecision {
  status: BonusStatus;
  /** The distance limit of the employee's mode (undefined for a mode that is not sporting). */
  limitKm: Decimal | undefined;
  /** Declared km over the limit, when that is why the bonus is refused. */
  excessKm: Decimal | undefined;
  reason: string | null;
  /** What the rule pays a plausible declaration, in cents (undefined without a salary). */
  amountCents: bigint | undefined;
}

export function bonusDecision(e: Employee, rules: GoldRules): BonusDecision {
  const mode = (e.commute_mode ?? '').trim();
  const limitKm = rules.walkRunModes.has(mode) ? rules.walkRunLimitKm : rules.bikeModes.has(mode) ? rules.bikeLimitKm : undefined;
  const salary = e.gross_salary === null ? undefined : parseDecimal(e.gross_salary);
  const amountCents = salary === undefined ? undefined : bonusCents(salary, rules.bonusRatePercent);
  const decide = (status: BonusStatus, reason: string | null, excessKm?: Decimal): BonusDecision => ({ status, limitKm, excessKm, reason, amountCents });
  if (limitKm === undefined) return decide('not_eligible', null);
  const km = e.commute_distance_km === null ? undefined : parseDecimal(e.commute_distance_km);
  if (km === undefined || km.unscaled <= 0n) return decide('refused', `no commute distance declared for ${mode}`);
  if (compareDecimal(km, limitKm) > 0) {
    return decide('refused', `declared commute distance ${kmText(km)} km is over the ${kmText(limitKm)} km limit for ${mode}`, subtract(km, limitKm));
  }
  if (amountCents === undefined) return decide('refused', 'no gross salary on file');
  return decide('paid', null);
}

/** salary × rate%, in cents, rounded half up. */
export function bonusCents(salary: Decimal, ratePercent: Decimal): bigint {
  const salaryCents = rescale(salary, 2);
  return divRound(salaryCents * ratePercent.unscaled, 100n * 10n ** BigInt(ratePercent.scale));
}

export function centsText(cents: bigint): string {
  return formatScaled(cents, 2);
}

/** A distance as people write it: 18.4, 15, 25.05 (no trailing zeros). */
function kmText(d: Decimal): string {
  const text = formatScaled(d.unscaled, d.scale);
  return d.scale > 0 ? text.replace(/\.?0+$/, '') : text;
}

/** A decimal at two places (the km columns' scale). */
export function km2(d: Decimal | undefined): string | null {
  return d === undefined ? null : formatScaled(rescale(d, 2), 2);
}
