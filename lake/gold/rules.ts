// The business rules' parameters, read once from the gold.* options (common/config.ts) and
// checked, so that a wrong value stops the program with the option's name instead of producing
// wrong figures.

import { UserError } from '../../common/errors.js';
import type { Config } from '../../common/config.js';
import { Calendar } from './calendar.js';
import { CommuteDistances } from './commute/home-distance.js';
import { GoogleDistanceMatrixRouting, GreatCircleRouting, OsrmRouting, type RoutingEngine } from './commute/routing.js';
import { decimalOption, type Decimal } from './decimal.js';

export interface GoldRules {
  calendar: Calendar;
  /** Percent of the gross annual salary, exact. */
  bonusRatePercent: Decimal;
  walkRunModes: ReadonlySet<string>;
  walkRunLimitKm: Decimal;
  bikeModes: ReadonlySet<string>;
  bikeLimitKm: Decimal;
  officeAddress: string;
  /** Home-to-office distances (geocoding and routing, cached). */
  commute: CommuteDistances;
  commuteToleranceKm: Decimal;
  commuteTolerancePercent: Decimal;
  wellnessDays: number;
  wellnessMinActivities: number;
  stageImportance: ReadonlyMap<string, number>;
  riskWeights: { fill: number; overcrowding: number; importance: number; weather: number };
  riskMediumFrom: number;
  riskHighFrom: number;
  crowdWindowMs: number;
  /** How long a gate's latest reading counts. */
  gateReadingTtlMs: number;
}

export function goldRules(config: Config): GoldRules {
  const g = config.gold;
  const num = (key: string, text: string, min = 0, max = 1): number => {
    decimalOption(key, text, { min, max });
    return Number(text);
  };
  const medium = num('gold.riskMediumFrom', g.riskMediumFrom, 0, 10);
  const high = num('gold.riskHighFrom', g.riskHighFrom, 0, 10);
  if (high < medium) {
    throw new UserError(`gold.riskHighFrom (${high}) is below gold.riskMediumFrom (${medium})`, { fix: 'make the high threshold at least the medium one' });
  }
  const walk = new Set(g.walkRunModes.map((m) => m.trim()));
  const bike = new Set(g.bikeModes.map((m) => m.trim()));
  for (const m of walk) {
    if (bike.has(m)) throw new UserError(`commute mode "${m}" is in both gold.walkRunModes and gold.bikeModes`, { fix: 'list each sporting mode once' });
  }
  return {
    calendar: new Calendar(g.timeZone),
    bonusRatePercent: decimalOption('gold.bonusRatePercent', g.bonusRatePercent, { min: 0, max: 100 }),
    walkRunModes: walk,
    walkRunLimitKm: decimalOption('gold.walkRunLimitKm', g.walkRunLimitKm, { min: 0 }),
    bikeModes: bike,
    bikeLimitKm: decimalOption('gold.bikeLimitKm', g.bikeLimitKm, { min: 0 }),
    officeAddress: g.officeAddress,
    commute: new CommuteDistances(
      { latitude: num('gold.officeLatitude', g.officeLatitude, -90, 90), longitude: num('gold.officeLongitude', g.officeLongitude, -180, 180) },
      routingEngine(config),
    ),
    commuteToleranceKm: decimalOption('gold.commuteToleranceKm', g.commuteToleranceKm, { min: 0 }),
    commuteTolerancePercent: decimalOption('gold.commuteTolerancePercent', g.commuteTolerancePercent, { min: 0, max: 1000 }),
    wellnessDays: g.wellnessDays,
    wellnessMinActivities: g.wellnessMinActivities,
    stageImportance: parseStageImportance(g.stageImportance),
    riskWeights: {
      fill: num('gold.riskWeightFill', g.riskWeightFill),
      overcrowding: num('gold.riskWeightOvercrowding', g.riskWeightOvercrowding, 0, 10),
      importance: num('gold.riskWeightImportance', g.riskWeightImportance),
      weather: num('gold.riskWeightWeather', g.riskWeightWeather),
    },
    riskMediumFrom: medium,
    riskHighFrom: high,
    crowdWindowMs: g.crowdWindowMinutes * 60_000,
    gateReadingTtlMs: g.gateReadingTtlMinutes * 60_000,
  };
}

function routingEngine(config: Config): RoutingEngine {
  const g = config.gold;
  switch (g.commuteRouting) {
    case 'osrm':
      if (!g.osrmUrl) throw new UserError('gold.commuteRouting is osrm but gold.osrmUrl is empty', { fix: 'set gold.osrmUrl (GOLD_OSRM_URL) to the OSRM server, e.g. http://127.0.0.1:5000' });
      return new OsrmRouting(g.osrmUrl, g.osrmProfile);
    case 'google':
      return new GoogleDistanceMatrixRouting(g.googleMapsApiKey, g.googleMapsUrl);
    default:
      decimalOption('gold.roadFactor', g.roadFactor, { min: 1, max: 5 });
      return new GreatCircleRouting(Number(g.roadFactor));
  }
}

function parseStageImportance(entries: string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const entry of entries) {
    const m = /^\s*([^=\s][^=]*?)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$/.exec(entry);
    const score = m ? Number(m[2]) : NaN;
    if (!m || !(score >= 0 && score <= 1)) {
      throw new UserError(`gold.stageImportance entry ${JSON.stringify(entry)} is not stage=score with a score from 0 to 1`, {
        fix: 'write entries such as final=1,semi_final=0.8 (GOLD_STAGE_IMPORTANCE is comma-separated)',
      });
    }
    out.set(m[1]!, score);
  }
  return out;
}
