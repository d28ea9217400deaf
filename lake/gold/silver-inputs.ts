// What gold reads from silver: the five source tables of the demo, their keys, and the columns
// each model needs, as typed rows. Silver's contract (one row per primary key, the source
// columns typed as lake/bronze/columns.ts maps them, `_source_ts` the source commit time) is in
// docs/gold.md; values are read defensively (a long where an integer was expected still joins).

import type { Row } from '../index.js';
import type { HomeDistance } from './commute/home-distance.js';
import { layerPath } from '../layers.js';

export const SILVER_TABLES = ['employees', 'activities', 'stadiums', 'matches', 'crowd_readings'] as const;
export type SilverTable = (typeof SILVER_TABLES)[number];

export const SILVER_KEY: Record<SilverTable, string> = {
  employees: 'employee_id',
  activities: 'activity_id',
  stadiums: 'stadium_id',
  matches: 'match_id',
  crowd_readings: 'reading_id',
};

/** The source columns gold reads from each table (plus `_source_ts`, for the latency figure). */
export const SILVER_COLUMNS: Record<SilverTable, readonly string[]> = {
  employees: ['employee_id', 'last_name', 'first_name', 'business_unit', 'gross_salary', 'address', 'commute_mode', 'commute_distance_km', 'declared_sport'],
  activities: ['activity_id', 'employee_id', 'start_time', 'sport_type', 'distance_m', 'elapsed_s', 'end_time', 'comment'],
  stadiums: ['stadium_id', 'name', 'city', 'capacity'],
  matches: ['match_id', 'home_team', 'away_team', 'stadium_id', 'kickoff', 'stage'],
  crowd_readings: ['reading_id', 'match_id', 'read_at', 'gate', 'people_counted', 'ticket_scans', 'weather_risk'],
};

export const SOURCE_TS = '_source_ts';

/** The table's path under the lake root (as the silver writer names it). */
export function silverPath(schema: string, table: SilverTable): string {
  return layerPath('silver', schema, table);
}

export interface Employee {
  employee_id: number;
  last_name: string | null;
  first_name: string | null;
  business_unit: string | null;
  gross_salary: string | null;
  address: string | null;
  commute_mode: string | null;
  commute_distance_km: string | null;
  declared_sport: string | null;
  /** The home-to-office distance, attached before the rules run (sporting commute modes only). */
  home?: HomeDistance;
}

export interface Activity {
  activity_id: bigint;
  employee_id: number | null;
  start_time: Date | null;
  sport_type: string | null;
  distance_m: string | null;
  elapsed_s: number | null;
  end_time: Date | null;
  comment: string | null;
}

export interface Stadium {
  stadium_id: number;
  name: string | null;
  city: string | null;
  capacity: number | null;
}

export interface Match {
  match_id: number;
  home_team: string | null;
  away_team: string | null;
  stadium_id: number | null;
  kickoff: Date | null;
  stage: string | null;
}

export interface CrowdReading {
  reading_id: bigint;
  match_id: number | null;
  read_at: Date | null;
  gate: string | null;
  people_counted: number | null;
  ticket_scans: number | null;
  weather_risk: string | null;
}

/** The join key of an id, whatever JavaScript type the column came as (number or bigint). */
export function idKey(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const int = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const big = (v: unknown): bigint => BigInt(v as bigint | number | string);
const time = (v: unknown): Date | null => (v instanceof Date ? v : v === null || v === undefined ? null : new Date(v as string));
// decimals are exact strings in silver; a number (a double column) is taken as written
const dec = str;

export function toEmployee(r: Row): Employee {
  return {
    employee_id: Number(r.employee_id), last_name: str(r.last_name), first_name: str(r.first_name), business_unit: str(r.business_unit),
    gross_salary: dec(r.gross_salary), address: str(r.address), commute_mode: str(r.commute_mode),
    commute_distance_km: dec(r.commute_distance_km), declared_sport: str(r.declared_sport),
  };
}

export function toActivity(r: Row): Activity {
  return {
    activity_id: big(r.activity_id), employee_id: int(r.employee_id), start_time: time(r.start_time), sport_type: str(r.sport_type),
    distance_m: dec(r.distance_m), elapsed_s: int(r.elapsed_s), end_time: time(r.end_time), comment: str(r.comment),
  };
}

export function toStadium(r: Row): Stadium {
  return { stadium_id: Number(r.stadium_id), name: str(r.name), city: str(r.city), capacity: int(r.capacity) };
}

export function toMatch(r: Row): Match {
  return {
    match_id: Number(r.match_id), home_team: str(r.home_team), away_team: str(r.away_team), stadium_id: int(r.stadium_id),
    kickoff: time(r.kickoff), stage: str(r.stage),
  };
}

export function toReading(r: Row): CrowdReading {
  return {
    reading_id: big(r.reading_id), match_id: int(r.match_id), read_at: time(r.read_at), gate: str(r.gate),
    people_counted: int(r.people_counted), ticket_scans: int(r.ticket_scans), weather_risk: dec(r.weather_risk),
  };
}
