// The sport bonus rule, shared by employee_benefits (what is paid), hr_declaration_flags (what HR
// must check) and kpis: a sporting commute mode with a plausible declaration earns a percentage
// of the gross annual salary. Plausible, as in the client's original pipeline: the declared
// distance is within the mode's limit, and so is the distance computed from the home address to
// the office (commute/home-distance.ts), and the two agree within the configured tolerance.
// Money is integer cents, rounded half up once, at the end.

import type { TravelMode } from './commute/routing.js';
import { compareDecimal, divRound, formatScaled, parseDecimal, rescale, subtract, type Decimal } from './decimal.js';
import type { GoldRules } from './rules.js';
import type { Employee } from './silver-inputs.js';

export type BonusStatus = 'paid' | 'refused' | 'not_eligible';

/** Which check refused a declaration (hr_declaration_flags.failed_check). */
export type FailedCheck = 'no_distance' | 'declared_over_limit' | 'address_not_located' | 'address_over_limit' | 'declared_differs' | 'no_salary';

export interface BonusDecision {
  status: BonusStatus;
  /** The distance limit of the employee's mode (undefined for a mode that is not sporting). */
  limitKm: Decimal | undefined;
  /** Km over the limit (declared or computed), when that is why the bonus is refused. */
  excessKm: Decimal | undefined;
  /** The distance computed from the home address, when it could be. */
  homeKm: Decimal | undefined;
  homeCommune: string | null;
  /** How homeKm was computed ('great-circle 47.25 km × 1.3', 'osrm', 'google'). */
  homeMethod: string | null;
  failedCheck: FailedCheck | null;
  reason: string | null;
  /** What the rule pays a plausible declaration, in cents (undefined without a salary). */
  amountCents: bigint | undefined;
}

/** The travel mode whose distance is checked, or undefined for a commute mode that is not sporting. */
export function travelMode(e: Employee, rules: GoldRules): TravelMode | undefined {
  const mode = (e.commute_mode ?? '').trim();
  return rules.walkRunModes.has(mode) ? 'walk' : rules.bikeModes.has(mode) ? 'bike' : undefined;
}

export function bonusDecision(e: Employee, rules: GoldRules): BonusDecision {
  const mode = (e.commute_mode ?? '').trim();
  const travel = travelMode(e, rules);
  const limitKm = travel === 'walk' ? rules.walkRunLimitKm : travel === 'bike' ? rules.bikeLimitKm : undefined;
  const salary = e.gross_salary === null ? undefined : parseDecimal(e.gross_salary);
  const amountCents = salary === undefined ? undefined : bonusCents(salary, rules.bonusRatePercent);
  const home = e.home?.found ? e.home : undefined;
  const decide = (status: BonusStatus, check: FailedCheck | null, reason: string | null, excessKm?: Decimal): BonusDecision => ({
    status, limitKm, excessKm, reason, amountCents, failedCheck: check,
    homeKm: home?.km, homeCommune: home ? home.commune : null, homeMethod: home ? home.method : null,
  });
  if (limitKm === undefined) return decide('not_eligible', null, null);
  const km = e.commute_distance_km === null ? undefined : parseDecimal(e.commute_distance_km);
  if (km === undefined || km.unscaled <= 0n) return decide('refused', 'no_distance', `no commute distance declared for ${mode}`);
  if (compareDecimal(km, limitKm) > 0) {
    return decide('refused', 'declared_over_limit', `declared commute distance ${kmText(km)} km is over the ${kmText(limitKm)} km limit for ${mode}`, subtract(km, limitKm));
  }
  if (!e.home) throw new Error(`employee ${e.employee_id}: the home distance was not resolved before the bonus rule ran`);
  if (!home) return decide('refused', 'address_not_located', `${e.home.found ? '' : e.home.reason}: the commute cannot be checked against the home address, HR to check it`);
  const where = `the home address in ${home.commune} (${home.postalCode})`;
  if (compareDecimal(home.km, limitKm) > 0) {
    return decide('refused', 'address_over_limit',
      `${where} is ${kmText(home.km)} km from the office (${home.method}), over the ${kmText(limitKm)} km limit for ${mode}; declared ${kmText(km)} km`,
      subtract(home.km, limitKm));
  }
  const tolerance = toleranceKm(home.km, rules);
  const gap = subtract(km, home.km);
  if (compareDecimal({ unscaled: gap.unscaled < 0n ? -gap.unscaled : gap.unscaled, scale: gap.scale }, tolerance) > 0) {
    return decide('refused', 'declared_differs',
      `declared commute distance ${kmText(km)} km differs from the ${kmText(home.km)} km computed from ${where} (${home.method}) by more than the ${kmText(tolerance)} km tolerance`);
  }
  if (amountCents === undefined) return decide('refused', 'no_salary', 'no gross salary on file');
  return decide('paid', null, null);
}

/** The larger of gold.commuteToleranceKm and gold.commuteTolerancePercent of the computed distance, at 2 places. */
function toleranceKm(computed: Decimal, rules: GoldRules): Decimal {
  const p = rules.commuteTolerancePercent;
  const share = divRound(rescale(computed, 2) * p.unscaled, 100n * 10n ** BigInt(p.scale));
  const fixed = rescale(rules.commuteToleranceKm, 2);
  return { unscaled: share > fixed ? share : fixed, scale: 2 };
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
