// What each gold table and column means, in words a report author reads: a friendly label (the
// name to show in Power BI) and a description. The export puts them in manifest.json and as
// PostgreSQL comments on analytics.* (which Power BI shows as column descriptions), so every
// column of every gold table must have one (lake/export/export.test.ts checks it).

export interface TableDoc {
  description: string;
  /** What one row is, and how to add the table up without counting something twice. */
  grain: string;
  columns: Record<string, [label: string, description: string]>;
}

const employee = {
  employee_id: ['Employee ID', 'HR identifier of the employee.'],
  first_name: ['First name', 'From HR, as it is now.'],
  last_name: ['Last name', 'From HR, as it is now.'],
  business_unit: ['Business unit', 'From HR, as it is now.'],
} satisfies TableDoc['columns'];

export const COLUMN_DOCS: Record<string, TableDoc> = {
  activities_enriched: {
    description: 'Each sport activity of an employee in HR, with the employee and the figures a report plots.',
    grain: 'One row per activity. Every numeric column can be summed or averaged over any selection.',
    columns: {
      activity_id: ['Activity ID', 'Identifier of the activity in the source system.'],
      ...employee,
      declared_sport: ['Declared sport', "The sport the employee declared to HR (spelled as in the source data, e.g. 'Runing')."],
      commute_mode: ['Commute mode', 'How the employee declared they come to work.'],
      sport_type: ['Sport', 'The sport of this activity.'],
      is_declared_sport: ['Is declared sport', "True when the activity's sport is the employee's declared sport."],
      start_time: ['Start (UTC)', 'When the activity started, UTC.'],
      end_time: ['End (UTC)', 'When the activity ended, UTC.'],
      activity_date: ['Date', 'Local date of the start (company time zone, Europe/Paris by default).'],
      activity_year: ['Year', 'Calendar year of the local date.'],
      activity_month: ['Month', 'Month of the local date, YYYY-MM.'],
      distance_m: ['Distance (m)', 'Distance in metres; empty where distance means nothing (climbing, tennis…).'],
      distance_km: ['Distance (km)', 'Distance in kilometres (distance_m / 1000).'],
      elapsed_s: ['Duration (s)', 'Elapsed time in seconds.'],
      duration_min: ['Duration (min)', 'Elapsed time in minutes.'],
      pace_min_per_km: ['Pace (min/km)', 'Minutes per kilometre; empty without a distance or a duration. Average it, do not sum it.'],
      speed_kmh: ['Speed (km/h)', 'Kilometres per hour; empty likewise. Average it, do not sum it.'],
      comment: ['Comment', 'What the employee wrote (in the CSV, text that starts like a formula is behind a single quote).'],
    },
  },
  employee_benefits: {
    description: 'Per employee and calendar year: activities and wellness days; and the annual sport bonus, on the bonus year row.',
    grain: 'One row per employee and calendar year with activities. activity_count and wellness_days belong to their year. The annual bonus (gross_salary, bonus_*, the commute columns) is on the bonus year row only (bonus_year = true: the latest year, computed from the current salary and declaration); other years leave them empty, so SUM(bonus_amount) counts each bonus once over any years.',
    columns: {
      ...employee,
      year: ['Year', 'Calendar year (company time zone).'],
      gross_salary: ['Gross annual salary', 'The salary the bonus is computed on (as HR has it now), on the bonus year row only.'],
      activity_count: ['Activities', "The employee's activities in that year."],
      wellness_days: ['Wellness days', 'Days granted for that year (5 from 15 activities by default). Summable.'],
      commute_mode: ['Commute mode', 'The declared commute mode (bonus year row).'],
      commute_distance_km: ['Declared commute (km)', 'The declared home-to-office distance (bonus year row).'],
      distance_limit_km: ['Distance limit (km)', "The limit of the commute mode; empty for a mode that is not sporting (bonus year row)."],
      bonus_status: ['Bonus status', 'paid, refused or not_eligible (bonus year row).'],
      bonus_paid: ['Bonus paid', 'True when the bonus is paid (bonus year row).'],
      bonus_amount: ['Bonus (€)', 'The annual sport bonus paid, 0.00 when refused or not eligible, empty on other years: sum it freely.'],
      refusal_reason: ['Refusal reason', 'Why a sporting declaration is refused (bonus year row).'],
      bonus_year: ['Bonus year', 'True on the row that carries the annual bonus (the latest year with activities).'],
      home_commune: ['Home commune', 'The commune the home address was located in (sporting modes, bonus year row).'],
      home_distance_km: ['Home–office distance (km)', 'Distance computed from the home address to the office (sporting modes, bonus year row).'],
    },
  },
  hr_declaration_flags: {
    description: 'The sporting commute declarations the bonus rule refused, for HR to check.',
    grain: 'One row per employee whose declaration is refused. bonus_withheld sums to what the refusals save.',
    columns: {
      ...employee,
      address: ['Home address', 'As HR has it.'],
      commute_mode: ['Commute mode', 'The declared commute mode.'],
      commute_distance_km: ['Declared commute (km)', 'The declared home-to-office distance.'],
      distance_limit_km: ['Distance limit (km)', 'The limit of the commute mode.'],
      excess_km: ['Over the limit (km)', 'By how much the declared or computed distance exceeds the limit.'],
      bonus_withheld: ['Bonus withheld (€)', 'What the rule would have paid.'],
      reason: ['Reason', 'Why the declaration is refused, in words.'],
      failed_check: ['Failed check', 'no_distance, declared_over_limit, address_not_located, address_over_limit, declared_differs or no_salary.'],
      home_commune: ['Home commune', 'The commune the home address was located in.'],
      home_distance_km: ['Home–office distance (km)', 'Distance computed from the home address to the office.'],
      distance_method: ['Distance method', "How it was computed: 'great-circle N km × 1.3', 'osrm' or 'google'."],
    },
  },
  match_crowd: {
    description: 'Per match and time window, how full the stadium is and how risky the crowd looks.',
    grain: 'One row per match and 15-minute window with a reading. people_present is a head count at that time: take its MAX over windows, never its SUM.',
    columns: {
      match_id: ['Match ID', 'Identifier of the match.'],
      window_start: ['Window start (UTC)', 'Start of the time window, UTC.'],
      window_end: ['Window end (UTC)', 'End of the time window, UTC.'],
      stage: ['Stage', 'group, round_of_16, quarter_final, semi_final, third_place or final.'],
      home_team: ['Home team', ''],
      away_team: ['Away team', ''],
      kickoff: ['Kick-off (UTC)', ''],
      minutes_from_kickoff: ['Minutes from kick-off', 'window_start − kickoff; negative before the kick-off.'],
      stadium_id: ['Stadium ID', ''],
      stadium_name: ['Stadium', ''],
      city: ['City', ''],
      capacity: ['Capacity', 'Seats of the stadium.'],
      gates_counted: ['Gates counted', 'Gates whose latest reading is recent enough (30 min by default) to count.'],
      gates_stale: ['Gates stale', 'Gates that reported earlier but not recently, left out of the count.'],
      people_present: ['People present', "Sum of the counted gates' latest counts."],
      ticket_scans: ['Ticket scans', "Sum of the counted gates' latest ticket scans."],
      fill_rate: ['Fill rate', 'people_present / capacity; above 1 when overcrowded.'],
      ticket_scan_rate: ['Ticket scan rate', 'ticket_scans / people_present.'],
      weather_risk: ['Weather risk', 'Highest weather risk (0 to 1) read in the window.'],
      stage_importance: ['Stage importance', 'Importance of the stage (0 to 1), final highest.'],
      risk_score: ['Risk score', '0.5 × fill rate + 1 × overcrowding + 0.3 × importance × fill rate (up to 1) + 0.2 × weather (docs/gold.md).'],
      risk_level: ['Risk level', 'low, medium (from 0.5) or high (from 0.75).'],
    },
  },
  kpis: {
    description: 'Headline figures for report cards, computed by gold for the reporting month and year.',
    grain: 'One row. Use its values in cards; do not add it to other tables.',
    columns: {
      reporting_month: ['Reporting month', 'The latest month with an activity, YYYY-MM.'],
      reporting_year: ['Reporting year', 'Year of the reporting month.'],
      employees: ['Employees', 'Employees in HR.'],
      employees_bonus_paid: ['Employees paid the bonus', ''],
      employees_bonus_refused: ['Declarations refused', ''],
      bonus_cost_total: ['Bonus cost (€)', 'Sum of the annual bonuses paid.'],
      activities_year: ['Activities this year', 'Activities in the reporting year.'],
      activities_month: ['Activities this month', 'Activities in the reporting month.'],
      employees_with_wellness_days: ['Employees with wellness days', 'In the reporting year.'],
      wellness_days_granted: ['Wellness days granted', 'In the reporting year.'],
      matches_with_readings: ['Matches with readings', ''],
      matches_high_risk: ['High-risk matches', 'Matches with at least one high window.'],
      highest_risk_match_id: ['Highest-risk match ID', ''],
      highest_risk_match: ['Highest-risk match', ''],
      highest_risk_stage: ['Highest-risk stage', ''],
      highest_risk_window_start: ['Highest-risk window (UTC)', ''],
      highest_risk_score: ['Highest risk score', ''],
      highest_risk_level: ['Highest risk level', ''],
    },
  },
};

/** The label and description of a column ('' when the table or column has none). */
export function columnDoc(table: string, column: string): { label: string; description: string } {
  const d = COLUMN_DOCS[table]?.columns[column];
  return { label: d?.[0] ?? column, description: d?.[1] ?? '' };
}
