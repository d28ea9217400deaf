// match_crowd: per match and time window, how full the stadium is and how risky the crowd looks.
// Gate counters report the people who came through so far, so the people present in a window
// are the sum over gates of each gate's latest reading up to the window's end, as long as that
// reading is recent (gold.gateReadingTtlMinutes): a gate that stopped reporting is not carried
// over for ever. Risk adds the fill rate (above 1 when overcrowded), the overcrowding itself, the
// stage's importance in proportion to how full the stadium is, and the worst weather risk read in
// the window, with configured weights (docs/gold.md works an example through).
// A match needs its stadium (capacity) to be in gold; readings of unknown matches are not.

import type { Row } from '../index.js';
import { compareDecimal, parseDecimal } from './decimal.js';
import type { GoldModel } from './model.js';
import type { GoldRules } from './rules.js';
import type { CrowdReading, Match, Stadium } from './silver-inputs.js';

export const MATCH_CROWD: GoldModel = {
  name: 'match_crowd',
  keys: ['match_id', 'window_start'],
  dependsOn: ['matches', 'stadiums', 'crowd_readings'],
  columns: [
    { name: 'match_id', type: 'integer', nullable: false },
    { name: 'window_start', type: 'timestamp', nullable: false },
    { name: 'window_end', type: 'timestamp', nullable: false },
    { name: 'stage', type: 'string' },
    { name: 'home_team', type: 'string' },
    { name: 'away_team', type: 'string' },
    { name: 'kickoff', type: 'timestamp' },
    { name: 'minutes_from_kickoff', type: 'integer' },
    { name: 'stadium_id', type: 'integer', nullable: false },
    { name: 'stadium_name', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'capacity', type: 'integer' },
    { name: 'gates_counted', type: 'integer', nullable: false },
    { name: 'gates_stale', type: 'integer' },
    { name: 'people_present', type: 'long', nullable: false },
    { name: 'ticket_scans', type: 'long', nullable: false },
    { name: 'fill_rate', type: 'double' },
    { name: 'ticket_scan_rate', type: 'double' },
    { name: 'weather_risk', type: 'decimal(4,3)' },
    { name: 'stage_importance', type: 'double', nullable: false },
    { name: 'risk_score', type: 'double', nullable: false },
    { name: 'risk_level', type: 'string', nullable: false },
  ],
};

export type RiskLevel = 'low' | 'medium' | 'high';

export function riskLevel(score: number, rules: GoldRules): RiskLevel {
  return score >= rules.riskHighFrom ? 'high' : score >= rules.riskMediumFrom ? 'medium' : 'low';
}

/**
 * The weighted score, rounded to 3 decimals so the level a user reads matches the score shown:
 * fill × fill rate + overcrowding × (fill rate − 1 when above 1) + importance × stage importance ×
 * fill rate up to 1 + weather × weather risk. An empty stadium scores no importance; one over
 * capacity scores above what a full one does, and more so the further over it is.
 */
export function riskScore(fillRate: number | null, importance: number, weather: number | null, rules: GoldRules): number {
  const w = rules.riskWeights;
  const fill = fillRate ?? 0;
  const raw = w.fill * fill + w.overcrowding * Math.max(fill - 1, 0) + w.importance * importance * Math.min(fill, 1) + w.weather * (weather ?? 0);
  return Math.round(raw * 1000) / 1000;
}

/** The match's rows, one per window that holds a reading, oldest first. */
export function matchCrowd(match: Match, stadium: Stadium | undefined, readings: Iterable<CrowdReading>, rules: GoldRules): Row[] {
  if (!stadium) return [];
  const sorted = [...readings]
    .filter((r) => r.read_at !== null && r.gate !== null)
    .sort((a, b) => a.read_at!.getTime() - b.read_at!.getTime() || (a.reading_id < b.reading_id ? -1 : a.reading_id > b.reading_id ? 1 : 0));
  const W = rules.crowdWindowMs;
  const importance = rules.stageImportance.get(match.stage ?? '') ?? 0;
  const latestByGate = new Map<string, CrowdReading>();
  const rows: Row[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = Math.floor(sorted[i]!.read_at!.getTime() / W) * W;
    const end = start + W;
    let weatherText: string | null = null;
    for (; i < sorted.length && sorted[i]!.read_at!.getTime() < end; i++) {
      const r = sorted[i]!;
      latestByGate.set(r.gate!, r);
      weatherText = maxDecimalText(weatherText, r.weather_risk);
    }
    // a gate counts while its latest reading is recent enough at the window's end
    let people = 0;
    let scans = 0;
    let counted = 0;
    for (const r of latestByGate.values()) {
      if (end - r.read_at!.getTime() > rules.gateReadingTtlMs) continue;
      counted++;
      people += r.people_counted ?? 0;
      scans += r.ticket_scans ?? 0;
    }
    const capacity = stadium.capacity;
    const fillRate = capacity !== null && capacity > 0 ? people / capacity : null;
    const weather = weatherText === null ? null : Number(weatherText);
    const score = riskScore(fillRate, importance, weather, rules);
    rows.push({
      match_id: match.match_id,
      window_start: new Date(start),
      window_end: new Date(end),
      stage: match.stage,
      home_team: match.home_team,
      away_team: match.away_team,
      kickoff: match.kickoff,
      minutes_from_kickoff: match.kickoff === null ? null : Math.floor((start - match.kickoff.getTime()) / 60_000),
      stadium_id: stadium.stadium_id,
      stadium_name: stadium.name,
      city: stadium.city,
      capacity,
      gates_counted: counted,
      gates_stale: latestByGate.size - counted,
      people_present: BigInt(people),
      ticket_scans: BigInt(scans),
      fill_rate: fillRate,
      ticket_scan_rate: people > 0 ? scans / people : null,
      weather_risk: weatherText,
      stage_importance: importance,
      risk_score: score,
      risk_level: riskLevel(score, rules),
    });
  }
  return rows;
}

function maxDecimalText(a: string | null, b: string | null): string | null {
  const pb = b === null ? undefined : parseDecimal(b);
  if (!pb) return a;
  if (a === null) return b;
  return compareDecimal(parseDecimal(a)!, pb) >= 0 ? a : b;
}

/** The window of highest risk of a match's rows (the earliest of equals), for the KPIs. */
export function peakWindow(rows: Row[]): Row | undefined {
  let best: Row | undefined;
  for (const r of rows) if (!best || (r.risk_score as number) > (best.risk_score as number)) best = r;
  return best;
}
