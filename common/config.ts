// Configuration is read and checked here and nowhere else: one optional JSON file plus
// environment variables (which win). Every option is declared once in OPTIONS below, with its
// default and its documentation; docs/configuration.md is generated from the same table
// (`lakehouse config docs`), so the docs cannot drift from the code.

import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from './errors.js';
import { registerSecret } from './log.js';

type Kind = 'string' | 'int' | 'bool' | 'enum' | 'list';

interface OptionSpec {
  /** Dotted path in the file, e.g. "cdc.snapshotMode". */
  key: string;
  env?: string;
  kind: Kind;
  default: string | number | boolean | string[] | undefined;
  values?: readonly string[];
  min?: number;
  max?: number;
  secret?: boolean;
  doc: string;
}

export const STACK_PG_PORT = 54329;
export const STACK_KAFKA_PORT = 19092;

export const OPTIONS = [
  { key: 'database.url', env: 'DATABASE_URL', kind: 'string', secret: true,
    default: `postgres://lakehouse:lakehouse@127.0.0.1:${STACK_PG_PORT}/lakehouse`,
    doc: 'PostgreSQL connection URL of the source database. The user needs the REPLICATION attribute and ownership of (or CREATE on) the published tables.' },
  { key: 'kafka.brokers', env: 'KAFKA_BROKERS', kind: 'list', default: [`127.0.0.1:${STACK_KAFKA_PORT}`],
    doc: 'Comma-separated bootstrap brokers of the Kafka-API broker (Redpanda, Apache Kafka).' },
  { key: 'kafka.clientId', env: 'KAFKA_CLIENT_ID', kind: 'string', default: 'lakehouse',
    doc: 'Client id sent to the broker.' },
  { key: 'kafka.topicPrefix', env: 'TOPIC_PREFIX', kind: 'string', default: 'lakehouse',
    doc: "Debezium's topic.prefix: change topics are <prefix>.<schema>.<table>; also source.name in events." },
  { key: 'kafka.partitions', env: 'KAFKA_PARTITIONS', kind: 'int', default: 3, min: 1, max: 1000,
    doc: 'Partitions of each change topic the capture creates (existing topics are left as they are).' },
  { key: 'kafka.replicationFactor', env: 'KAFKA_REPLICATION_FACTOR', kind: 'int', default: 1, min: 1, max: 7,
    doc: 'Replication factor of the topics the capture creates.' },
  { key: 'lake.root', env: 'LAKE_ROOT', kind: 'string', default: './lakehouse-data',
    doc: 'Where the Delta tables live (bronze/, silver/, gold/, quarantine/): a folder, s3://bucket/prefix (Amazon S3 or an S3-compatible store; credentials and endpoint from AWS_* variables), or az://container/prefix or abfss://container@account.dfs.core.windows.net/prefix (Azure Blob, ADLS Gen2; AZURE_STORAGE_* variables). See docs/lake.md, "Storage". No table path may leave it.' },
  { key: 'cdc.publication', env: 'CDC_PUBLICATION', kind: 'string', default: 'lakehouse_pub',
    doc: 'Publication the capture reads; created when missing.' },
  { key: 'cdc.slot', env: 'CDC_SLOT', kind: 'string', default: 'lakehouse_slot',
    doc: 'Logical replication slot (pgoutput); created when missing.' },
  { key: 'cdc.schemas', env: 'CDC_SCHEMAS', kind: 'list', default: ['public'],
    doc: 'Schemas whose tables are all captured (FOR TABLES IN SCHEMA: tables created later are picked up). Ignored when cdc.tables is set.' },
  { key: 'cdc.tables', env: 'CDC_TABLES', kind: 'list', default: [],
    doc: 'Explicit schema.table list to capture instead of whole schemas.' },
  { key: 'cdc.snapshotMode', env: 'CDC_SNAPSHOT_MODE', kind: 'enum', default: 'initial',
    values: ['initial', 'never', 'when_needed'],
    doc: 'initial: snapshot existing rows when the slot is created (and finish an interrupted snapshot); never: stream only; when_needed: also snapshot again when the slot had to be recreated.' },
  { key: 'cdc.snapshotChunkSize', env: 'CDC_SNAPSHOT_CHUNK_SIZE', kind: 'int', default: 2000, min: 1, max: 1000000,
    doc: 'Rows read per primary-key chunk during the snapshot.' },
  { key: 'cdc.decimalHandling', env: 'CDC_DECIMAL_HANDLING', kind: 'enum', default: 'precise',
    values: ['precise', 'double', 'string'],
    doc: "Debezium's decimal.handling.mode for numeric columns: precise (Connect Decimal, base64 unscaled bytes), double, string." },
  { key: 'cdc.tombstones', env: 'CDC_TOMBSTONES', kind: 'bool', default: true,
    doc: "Send a tombstone (key, null value) after each delete, as Debezium's tombstones.on.delete." },
  { key: 'cdc.schemasEnable', env: 'CDC_SCHEMAS_ENABLE', kind: 'bool', default: false,
    doc: "Write {schema, payload} messages as Kafka Connect's JsonConverter with schemas.enable=true. Off by default: the schemas are on the compacted topic <prefix>.schemas instead (header lakehouse.schema), which keeps events about 4 times smaller." },
  { key: 'cdc.emitTruncates', env: 'CDC_EMIT_TRUNCATES', kind: 'bool', default: true,
    doc: "Send op 't' events for TRUNCATE (Debezium skips them by default; the lake needs them)." },
  { key: 'cdc.transactionTopic', env: 'CDC_TRANSACTION_TOPIC', kind: 'bool', default: true,
    doc: 'Send BEGIN/END records to <prefix>.transaction (Debezium provide.transaction.metadata).' },
  { key: 'cdc.heartbeatIntervalMs', env: 'CDC_HEARTBEAT_INTERVAL_MS', kind: 'int', default: 10000, min: 0, max: 3600000,
    doc: 'How often a heartbeat is sent to __debezium-heartbeat.<prefix> and the slot confirmed on a quiet database; 0 turns heartbeats off.' },
  { key: 'cdc.heartbeatActionQuery', env: 'CDC_HEARTBEAT_ACTION_QUERY', kind: 'string', default: '',
    doc: 'Optional SQL run on each heartbeat to create WAL in the captured database (Debezium heartbeat.action.query).' },
  { key: 'cdc.batchMaxMessages', env: 'CDC_BATCH_MAX_MESSAGES', kind: 'int', default: 5000, min: 1, max: 1000000,
    doc: 'Most change events sent to the broker in one produce batch.' },
  { key: 'cdc.batchMaxBytes', env: 'CDC_BATCH_MAX_BYTES', kind: 'int', default: 900000, min: 10000, max: 100000000,
    doc: "Largest produce batch per partition in bytes; keep it under the broker's message.max.bytes (1 MiB by default on Kafka and Redpanda)." },
  { key: 'cdc.batchMaxWaitMs', env: 'CDC_BATCH_MAX_WAIT_MS', kind: 'int', default: 5, min: 0, max: 10000,
    doc: 'Longest time a change waits for its batch to fill before it is sent.' },
  { key: 'cdc.maxBufferedMessages', env: 'CDC_MAX_BUFFERED_MESSAGES', kind: 'int', default: 50000, min: 100, max: 10000000,
    doc: 'Events decoded but not yet acknowledged by the broker before the replication stream is paused.' },
  { key: 'cdc.stateSchema', env: 'CDC_STATE_SCHEMA', kind: 'string', default: 'lakehouse_cdc',
    doc: 'Schema in the source database where the capture keeps its snapshot progress (never published).' },
  { key: 'bronze.groupId', env: 'BRONZE_GROUP_ID', kind: 'string', default: 'lakehouse-bronze',
    doc: 'Consumer group of the bronze writers; processes with the same group share the change topics\' partitions.' },
  { key: 'bronze.tables', env: 'BRONZE_TABLES', kind: 'list', default: [],
    doc: 'Only these schema.table go to bronze; empty means every table the capture announces on <prefix>.schemas.' },
  { key: 'bronze.batchMaxRows', env: 'BRONZE_BATCH_MAX_ROWS', kind: 'int', default: 20000, min: 1, max: 10000000,
    doc: 'Bronze writes a batch once it holds this many change events, or bronze.batchMaxBytes, or once bronze.batchMaxWaitMs passed, whichever comes first.' },
  { key: 'bronze.batchMaxBytes', env: 'BRONZE_BATCH_MAX_BYTES', kind: 'int', default: 33554432, min: 1024, max: 2147483647,
    doc: 'Bytes of messages that close a bronze batch (see bronze.batchMaxRows).' },
  { key: 'bronze.batchMaxWaitMs', env: 'BRONZE_BATCH_MAX_WAIT_MS', kind: 'int', default: 500, min: 0, max: 3600000,
    doc: 'Longest time a change waits in a bronze batch before it is written (the latency floor of bronze).' },
  { key: 'bronze.sessionTimeoutMs', env: 'BRONZE_SESSION_TIMEOUT_MS', kind: 'int', default: 30000, min: 6000, max: 300000,
    doc: 'Consumer session timeout: how soon the group hands a dead bronze writer\'s partitions to another.' },
  { key: 'silver.intervalMs', env: 'SILVER_INTERVAL_MS', kind: 'int', default: 500, min: 10, max: 3600000,
    doc: 'How often silver looks for new bronze commits.' },
  { key: 'silver.tables', env: 'SILVER_TABLES', kind: 'list', default: [],
    doc: 'Only these schema.table get a silver table; empty means every bronze table.' },
  { key: 'silver.maxBatchRows', env: 'SILVER_MAX_BATCH_ROWS', kind: 'int', default: 50000, min: 1, max: 100000000,
    doc: 'Bronze rows applied to a silver table in one merge, at most (whole bronze commits; bounds memory after a long stop).' },
  { key: 'silver.fileTargetBytes', env: 'SILVER_FILE_TARGET_BYTES', kind: 'int', default: 2097152, min: 65536, max: 2147483647,
    doc: 'Size of the files silver compaction writes. Silver merges rewrite every file holding a changed key, so smaller files make updates cheaper.' },
  { key: 'lake.compactIntervalMs', env: 'LAKE_COMPACT_INTERVAL_MS', kind: 'int', default: 60000, min: 0, max: 86400000,
    doc: 'How often the writers look for small files to compact (OPTIMIZE, dataChange=false); 0 turns compaction off.' },
  { key: 'lake.compactMinFiles', env: 'LAKE_COMPACT_MIN_FILES', kind: 'int', default: 20, min: 2, max: 100000,
    doc: 'A table (bronze: a day partition) is compacted once it has this many files smaller than lake.compactTargetBytes.' },
  { key: 'lake.compactTargetBytes', env: 'LAKE_COMPACT_TARGET_BYTES', kind: 'int', default: 16777216, min: 65536, max: 2147483647,
    doc: 'Size of the files compaction writes (zstd Parquet; 16 MiB is about a million bronze rows).' },
  { key: 'metrics.host', env: 'METRICS_HOST', kind: 'string', default: '127.0.0.1',
    doc: 'Address the /metrics and /health server binds to (loopback unless told).' },
  { key: 'metrics.port', env: 'METRICS_PORT', kind: 'int', default: 9464, min: 0, max: 65535,
    doc: 'Port of the /metrics and /health server; 0 picks a free port.' },
  { key: 'metrics.probeIntervalMs', env: 'METRICS_PROBE_INTERVAL_MS', kind: 'int', default: 15000, min: 0, max: 3600000,
    doc: "How often `lakehouse run`, `lakehouse demo` and `lakehouse status --serve` measure consumer lag from the broker and the lake tables' rows, files, bytes and silver/gold lag from the Delta logs (lakehouse_delta_table_*, lakehouse_lake_*_lag_versions); 0 turns it off." },
  { key: 'slack.token', env: 'SLACK_BOT_TOKEN', kind: 'string', default: '', secret: true,
    doc: 'Slack bot token; without it messages are printed to the log instead.' },
  { key: 'slack.channel', env: 'SLACK_CHANNEL', kind: 'string', default: '#sport',
    doc: 'Channel the notifier posts to.' },
  { key: 'slack.apiUrl', env: 'SLACK_API_URL', kind: 'string', default: '',
    doc: 'Base URL of the Slack Web API (for a stand-in); empty means Slack itself.' },
  { key: 'notify.groupId', env: 'NOTIFY_GROUP_ID', kind: 'string', default: 'lakehouse-notify',
    doc: 'Consumer group of the notifier on the activities topic; instances with the same group share the partitions.' },
  { key: 'notify.activitiesTable', env: 'NOTIFY_ACTIVITIES_TABLE', kind: 'string', default: 'public.activities',
    doc: 'schema.table whose live inserts are announced on Slack.' },
  { key: 'notify.employeesTable', env: 'NOTIFY_EMPLOYEES_TABLE', kind: 'string', default: 'public.employees',
    doc: "schema.table whose change stream gives the employees' names (employee_id, first_name, last_name)." },
  { key: 'notify.recordTopic', env: 'NOTIFY_RECORD_TOPIC', kind: 'string', default: '',
    doc: 'Compacted topic where the notifier records each message it posted (key: table/primary key/position); empty means <prefix>.notify.sent.' },
  { key: 'notify.templates', env: 'NOTIFY_TEMPLATES', kind: 'string', default: '',
    doc: 'JSON file of message templates over the built-in French ones (see docs/notifier.md); empty means the built-in ones.' },
  { key: 'notify.intervalMs', env: 'NOTIFY_INTERVAL_MS', kind: 'int', default: 1000, min: 0, max: 3600000,
    doc: "Time between two messages to the channel once the burst is spent (Slack allows about one message per second per channel)." },
  { key: 'notify.burst', env: 'NOTIFY_BURST', kind: 'int', default: 3, min: 1, max: 100,
    doc: 'Messages that may go at once before notify.intervalMs applies.' },
  { key: 'notify.queueSize', env: 'NOTIFY_QUEUE_SIZE', kind: 'int', default: 100, min: 1, max: 100000,
    doc: 'Activities held waiting for Slack per partition; when full the consumer pauses (nothing is dropped).' },
  { key: 'notify.historyLookbackHours', env: 'NOTIFY_HISTORY_LOOKBACK_HOURS', kind: 'int', default: 24, min: 0, max: 8760,
    doc: "How far back the channel's history is read after a start when the record has nothing for a partition." },
  { key: 'notify.sessionTimeoutMs', env: 'NOTIFY_SESSION_TIMEOUT_MS', kind: 'int', default: 30000, min: 6000, max: 300000,
    doc: "Consumer session timeout: how soon the group notices a notifier that died and hands its partitions on." },
  { key: 'gold.sourceSchema', env: 'GOLD_SOURCE_SCHEMA', kind: 'string', default: 'public',
    doc: 'Source schema whose silver tables gold reads: silver/<schema>/employees, activities, stadiums, matches and crowd_readings.' },
  { key: 'gold.pollIntervalMs', env: 'GOLD_POLL_INTERVAL_MS', kind: 'int', default: 250, min: 10, max: 3600000,
    doc: 'How often gold looks for new silver commits (one file check per silver table).' },
  { key: 'gold.timeZone', env: 'GOLD_TIME_ZONE', kind: 'string', default: 'Europe/Paris',
    doc: "IANA time zone of the company's calendar: an activity's date, month and year (wellness days are counted per calendar year) are taken in it." },
  { key: 'gold.bonusRatePercent', env: 'GOLD_BONUS_RATE_PERCENT', kind: 'string', default: '5',
    doc: 'Sport bonus as a percentage of the gross annual salary, a decimal number (5, 5.5). The amount is exact, rounded to the cent half up.' },
  { key: 'gold.walkRunModes', env: 'GOLD_WALK_RUN_MODES', kind: 'list', default: ['Marche/running'],
    doc: 'Commute modes that mean walking or running (sporting; limited by gold.walkRunLimitKm).' },
  { key: 'gold.walkRunLimitKm', env: 'GOLD_WALK_RUN_LIMIT_KM', kind: 'string', default: '15',
    doc: 'Longest plausible walking or running commute in km (a decimal). A declaration over it is not paid and is listed for HR with the reason.' },
  { key: 'gold.bikeModes', env: 'GOLD_BIKE_MODES', kind: 'list', default: ['Vélo/Trottinette/Autres'],
    doc: 'Commute modes that mean bike, scooter or other (sporting; limited by gold.bikeLimitKm).' },
  { key: 'gold.bikeLimitKm', env: 'GOLD_BIKE_LIMIT_KM', kind: 'string', default: '25',
    doc: 'Longest plausible commute in km by bike, scooter or other (a decimal); over it the bonus is refused as for gold.walkRunLimitKm.' },
  { key: 'gold.officeAddress', env: 'GOLD_OFFICE_ADDRESS', kind: 'string', default: '1362 Av. des Platanes, 34970 Lattes',
    doc: 'The office the commute distances are measured to (shown in the reasons HR reads); its position is gold.officeLatitude / gold.officeLongitude.' },
  { key: 'gold.officeLatitude', env: 'GOLD_OFFICE_LATITUDE', kind: 'string', default: '43.56775',
    doc: "Latitude (WGS 84, decimal degrees) of the office: by default the centre of Lattes (34970) in the gazetteer, the precision of a home address's commune." },
  { key: 'gold.officeLongitude', env: 'GOLD_OFFICE_LONGITUDE', kind: 'string', default: '3.90279',
    doc: 'Longitude (WGS 84, decimal degrees) of the office.' },
  { key: 'gold.commuteRouting', env: 'GOLD_COMMUTE_ROUTING', kind: 'enum', default: 'great-circle', values: ['great-circle', 'osrm', 'google'],
    doc: "How the home-to-office distance of a sporting commute declaration is computed from the home address's commune (geocoded offline): great-circle (no network: the straight-line distance times gold.roadFactor), osrm (an OSRM server at gold.osrmUrl) or google (the Distance Matrix API with gold.googleMapsApiKey). Only the commune's and the office's coordinates are sent, never an address." },
  { key: 'gold.roadFactor', env: 'GOLD_ROAD_FACTOR', kind: 'string', default: '1.3',
    doc: 'Road distance / straight-line distance for great-circle routing (1.3: the usual detour index of French roads; Lattes–Nîmes is 47.2 km straight, 61.4 km computed, about 55 km by the motorway).' },
  { key: 'gold.osrmUrl', env: 'GOLD_OSRM_URL', kind: 'string', default: '',
    doc: 'Base URL of an OSRM server (osrm-routed), e.g. http://127.0.0.1:5000, for gold.commuteRouting=osrm.' },
  { key: 'gold.osrmProfile', env: 'GOLD_OSRM_PROFILE', kind: 'string', default: 'driving',
    doc: 'Profile segment of the OSRM /route URL (osrm-routed serves the profile it was built with, whatever the segment says).' },
  { key: 'gold.googleMapsApiKey', env: 'GOOGLE_MAPS_API_KEY', kind: 'string', default: '', secret: true,
    doc: "API key of Google's Distance Matrix API, for gold.commuteRouting=google (walking or bicycling directions as the commute mode says)." },
  { key: 'gold.googleMapsUrl', env: 'GOLD_GOOGLE_MAPS_URL', kind: 'string', default: 'https://maps.googleapis.com',
    doc: "Base URL of Google's Maps APIs (for a proxy or a stand-in)." },
  { key: 'gold.commuteToleranceKm', env: 'GOLD_COMMUTE_TOLERANCE_KM', kind: 'string', default: '5',
    doc: 'A declared commute distance may differ from the one computed from the home address by this many km (or gold.commuteTolerancePercent of it, whichever is larger) before the declaration is refused: the address is located at its commune\'s centre.' },
  { key: 'gold.commuteTolerancePercent', env: 'GOLD_COMMUTE_TOLERANCE_PERCENT', kind: 'string', default: '30',
    doc: 'The tolerance as a percentage of the computed distance (see gold.commuteToleranceKm).' },
  { key: 'gold.wellnessDays', env: 'GOLD_WELLNESS_DAYS', kind: 'int', default: 5, min: 0, max: 366,
    doc: 'Wellness days granted to an employee for a calendar year with at least gold.wellnessMinActivities activities.' },
  { key: 'gold.wellnessMinActivities', env: 'GOLD_WELLNESS_MIN_ACTIVITIES', kind: 'int', default: 15, min: 1, max: 100000,
    doc: 'Activities in a calendar year that earn the wellness days.' },
  { key: 'gold.stageImportance', env: 'GOLD_STAGE_IMPORTANCE', kind: 'list',
    default: ['group=0.2', 'round_of_16=0.4', 'quarter_final=0.6', 'third_place=0.6', 'semi_final=0.8', 'final=1'],
    doc: 'Importance score (0 to 1) of each match stage as stage=score; a stage not listed scores 0.' },
  { key: 'gold.riskWeightFill', env: 'GOLD_RISK_WEIGHT_FILL', kind: 'string', default: '0.5',
    doc: "Weight of the fill rate (people present / capacity, above 1 when overcrowded) in a match window's crowd risk score." },
  { key: 'gold.riskWeightOvercrowding', env: 'GOLD_RISK_WEIGHT_OVERCROWDING', kind: 'string', default: '1',
    doc: 'Weight of the overcrowding (fill rate above 1, e.g. 0.288 at 128.8 % of capacity) in the crowd risk score, on top of the fill rate: a stadium over capacity is riskier than its fill rate alone says (0 to 10).' },
  { key: 'gold.riskWeightImportance', env: 'GOLD_RISK_WEIGHT_IMPORTANCE', kind: 'string', default: '0.3',
    doc: 'Weight of the stage importance (gold.stageImportance) in the crowd risk score; the importance counts in proportion to how full the stadium is (up to capacity), so an empty final scores no importance.' },
  { key: 'gold.riskWeightWeather', env: 'GOLD_RISK_WEIGHT_WEATHER', kind: 'string', default: '0.2',
    doc: "Weight of the readings' weather risk (0 to 1, the highest of the window) in the crowd risk score." },
  { key: 'gold.riskMediumFrom', env: 'GOLD_RISK_MEDIUM_FROM', kind: 'string', default: '0.5',
    doc: 'Crowd risk score (rounded to 3 decimals) from which the level is medium; below it the level is low.' },
  { key: 'gold.riskHighFrom', env: 'GOLD_RISK_HIGH_FROM', kind: 'string', default: '0.75',
    doc: 'Crowd risk score from which the level is high.' },
  { key: 'gold.gateReadingTtlMinutes', env: 'GOLD_GATE_READING_TTL_MINUTES', kind: 'int', default: 30, min: 1, max: 1440,
    doc: "How long a gate's latest count stays valid: a window counts a gate only if its latest reading is at most this many minutes older than the window's end, so a gate that stopped reporting is not carried over for ever." },
  { key: 'gold.crowdWindowMinutes', env: 'GOLD_CROWD_WINDOW_MINUTES', kind: 'int', default: 15, min: 1, max: 1440,
    doc: 'Length of the time windows of match_crowd (aligned on the clock in UTC); a window holds the latest reading of each gate so far that is still valid (gold.gateReadingTtlMinutes).' },
  { key: 'gold.rowsPerFile', env: 'GOLD_ROWS_PER_FILE', kind: 'int', default: 10000, min: 100, max: 1000000,
    doc: "Most rows in a gold data file. A refresh rewrites the files holding a changed key, in key order, so smaller files make refreshes cheaper and larger ones make fewer files; neighbouring small files are joined once lake.compactMinFiles gathered (checked every lake.compactIntervalMs)." },
  { key: 'quality.rulesDir', env: 'QUALITY_RULES_DIR', kind: 'string', default: '',
    doc: "Folder of the quality rules: per source table <schema>.<table>.schema.json (JSON Schema) and <schema>.<table>.expectations.json (see docs/quality.md); empty means the project's quality/rules." },
  { key: 'quality.failOnMissingRules', env: 'QUALITY_FAIL_ON_MISSING_RULES', kind: 'bool', default: false,
    doc: 'A captured table without rules stops the silver stage (true) or goes to silver unchecked with a warning (false).' },
  { key: 'quality.foreignKeyWaitMs', env: 'QUALITY_FOREIGN_KEY_WAIT_MS', kind: 'int', default: 60000, min: 0, max: 86400000,
    doc: "How long after its commit a record that breaks a foreign key may wait for the referenced table: tables reach silver independently, so an activity can be judged before its employee's row has arrived. While a referenced table is missing or behind its bronze (or within 2 s of the commit) the batch is held and judged again; 0 judges at once." },
  { key: 'quality.reportDir', env: 'QUALITY_REPORT_DIR', kind: 'string', default: './quality-report',
    doc: 'Folder `lakehouse quality report` writes its HTML report to (index.html), unless --out is given.' },
] as const satisfies readonly OptionSpec[];

type Spec = (typeof OPTIONS)[number];
type ValueOf<S extends Spec> = S['kind'] extends 'int'
  ? number
  : S['kind'] extends 'bool'
    ? boolean
    : S['kind'] extends 'list'
      ? string[]
      : S extends { values: readonly (infer V)[] }
        ? V
        : string;

type Split<K extends string> = K extends `${infer A}.${infer B}` ? [A, B] : never;
type Sections = Split<Spec['key']>[0];
export type Config = {
  [S in Sections]: { [O in Spec as Split<O['key']>[0] extends S ? Split<O['key']>[1] : never]: ValueOf<O> };
} & { source: { file: string | undefined } };

export interface LoadOptions {
  /** Path of the config file; defaults to $LAKEHOUSE_CONFIG or ./lakehouse.config.json if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Values that win over file and environment (command-line flags, tests). */
  overrides?: Record<string, unknown>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const explicit = opts.file ?? env.LAKEHOUSE_CONFIG;
  const file = explicit ?? (existsSync('lakehouse.config.json') ? 'lakehouse.config.json' : undefined);
  let fromFile: Record<string, unknown> = {};
  if (file) fromFile = readConfigFile(resolve(file));

  const out: Record<string, Record<string, unknown>> = {};
  const known = new Set<string>(OPTIONS.map((o) => o.key));
  for (const key of flattenKeys(fromFile)) {
    if (!known.has(key)) {
      throw new UserError(`unknown configuration option "${key}"`, {
        where: file,
        fix: `remove it or use one of the options listed in docs/configuration.md (\`lakehouse config docs\`)`,
      });
    }
  }
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const [section, name] = spec.key.split('.') as [string, string];
    let raw: unknown = spec.default;
    let origin = 'default';
    const inFile = (fromFile[section] as Record<string, unknown> | undefined)?.[name];
    if (inFile !== undefined) {
      raw = inFile;
      origin = `${file}`;
    }
    if (spec.env && env[spec.env] !== undefined && env[spec.env] !== '') {
      raw = env[spec.env];
      origin = `environment variable ${spec.env}`;
    }
    if (opts.overrides && spec.key in opts.overrides && opts.overrides[spec.key] !== undefined) {
      raw = opts.overrides[spec.key];
      origin = 'command line';
    }
    const value = coerce(spec, raw, origin);
    // Tokens are hidden whole. A URL is shown with its password hidden (redactUrl, wherever a URL
    // is printed); its bare password is not registered, since a short one ("lakehouse") would
    // blank every occurrence of a common word in the logs.
    if (spec.secret && typeof value === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) registerSecret(value);
    (out[section] ??= {})[name] = value;
  }
  return { ...(out as unknown as Omit<Config, 'source'>), source: { file } } as Config;
}

function readConfigFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) {
    throw new UserError(`configuration file ${path} does not exist`, {
      fix: 'create it (see docs/configuration.md) or unset LAKEHOUSE_CONFIG / drop --config',
    });
  }
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new UserError(`configuration file is not valid JSON: ${(e as Error).message}`, {
      where: path,
      fix: 'fix the JSON syntax; options are grouped by section, e.g. {"cdc": {"snapshotMode": "initial"}}',
    });
  }
}

function flattenKeys(obj: Record<string, unknown>): string[] {
  const keys: string[] = [];
  for (const [section, v] of Object.entries(obj)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const name of Object.keys(v as object)) keys.push(`${section}.${name}`);
    } else keys.push(section);
  }
  return keys;
}

function coerce(spec: OptionSpec, raw: unknown, origin: string): unknown {
  const bad = (expected: string): never => {
    const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
    throw new UserError(`configuration option ${spec.key} is ${shown}; expected ${expected}`, {
      where: origin,
      fix: `set ${spec.key}${spec.env ? ` (or ${spec.env})` : ''} to ${expected}`,
    });
  };
  switch (spec.kind) {
    case 'string':
      if (typeof raw !== 'string') return bad('a string');
      return raw;
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      const range = `an integer from ${spec.min ?? '-inf'} to ${spec.max ?? 'inf'}`;
      if (!Number.isInteger(n)) return bad(range);
      if ((spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max)) return bad(range);
      return n;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string' && /^(true|false|1|0|yes|no)$/i.test(raw)) return /^(true|1|yes)$/i.test(raw);
      return bad('true or false');
    case 'enum':
      if (typeof raw !== 'string' || !spec.values!.includes(raw)) return bad(`one of ${spec.values!.join(', ')}`);
      return raw;
    case 'list':
      if (Array.isArray(raw) && raw.every((x) => typeof x === 'string')) return raw as string[];
      if (typeof raw === 'string') return raw.split(',').map((s) => s.trim()).filter(Boolean);
      return bad('a list of strings (JSON array, or comma-separated in the environment)');
  }
}

/** The options as a Markdown table, for docs/configuration.md. */
export function configDocs(): string {
  const rows = (OPTIONS as readonly OptionSpec[]).map((o) => {
    const def = Array.isArray(o.default) ? o.default.join(',') : String(o.default ?? '');
    const shown = o.secret && def ? '(local stack)' : def === '' ? '(empty)' : `\`${def}\``;
    const values = o.values ? ` One of: ${o.values.join(', ')}.` : '';
    return `| \`${o.key}\` | ${o.env ? `\`${o.env}\`` : ''} | ${shown} | ${o.doc}${values} |`;
  });
  return ['| option | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/** The effective configuration with secrets hidden, for `lakehouse config show`. */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS as readonly OptionSpec[]) {
    const [section, name] = spec.key.split('.') as [string, string];
    const value = (config as unknown as Record<string, Record<string, unknown>>)[section]?.[name];
    out[spec.key] = spec.secret && value ? hide(String(value)) : value;
  }
  return out;
}

function hide(value: string): string {
  try {
    const u = new URL(value);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '***';
  }
}
