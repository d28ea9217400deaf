// One Prometheus registry for the process and one small HTTP server for /metrics and /health,
// started the same way by every long-running part. Metric names follow Prometheus's conventions
// (_total, _seconds, _bytes); each part declares its metrics here so the dashboards and alerts
// have one place to check names against.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import client from 'prom-client';
import { logger } from '../common/log.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'lakehouse_' });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

// ---- change capture (cdc/) ------------------------------------------------------------------
export const cdcChangesTotal = new client.Counter({
  name: 'lakehouse_cdc_changes_total',
  help: 'Change events captured and acknowledged by the broker, by table and operation',
  labelNames: ['table', 'op'] as const,
  registers: [registry],
});
export const cdcCommitToBrokerSeconds = new client.Histogram({
  name: 'lakehouse_cdc_commit_to_broker_seconds',
  help: 'Time from the PostgreSQL commit to the broker acknowledging the event',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const cdcSlotLagBytes = new client.Gauge({
  name: 'lakehouse_cdc_slot_lag_bytes',
  help: "pg_current_wal_lsn() minus the replication slot's confirmed_flush_lsn",
  labelNames: ['slot'] as const,
  registers: [registry],
});
export const cdcSlotActive = new client.Gauge({
  name: 'lakehouse_cdc_slot_active',
  help: 'Whether a capture is connected to the replication slot (1) or not (0); an inactive slot keeps WAL for the whole cluster',
  labelNames: ['slot'] as const,
  registers: [registry],
});
export const cdcSlotLagSeconds = new client.Gauge({
  name: 'lakehouse_cdc_slot_lag_seconds',
  help: 'Age of the oldest change not yet acknowledged by the broker (0 when caught up)',
  labelNames: ['slot'] as const,
  registers: [registry],
});
export const cdcSnapshotRowsTotal = new client.Counter({
  name: 'lakehouse_cdc_snapshot_rows_total',
  help: 'Rows read by the initial snapshot',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const cdcDuplicatesSkippedTotal = new client.Counter({
  name: 'lakehouse_cdc_duplicates_skipped_total',
  help: 'Events not sent again after a restart because their partition already held them',
  registers: [registry],
});
export const cdcUnknownTypeColumnsTotal = new client.Counter({
  name: 'lakehouse_cdc_unknown_type_columns_total',
  help: 'Columns of a type the capture does not map, passed as text',
  labelNames: ['table', 'column'] as const,
  registers: [registry],
});

// ---- Slack notifier (notifier/) ---------------------------------------------------------------
export const notifySentTotal = new client.Counter({
  name: 'lakehouse_notify_sent_total',
  help: 'Slack messages posted (or printed to the log without a token)',
  labelNames: ['sink'] as const,
  registers: [registry],
});
export const notifyRetriedTotal = new client.Counter({
  name: 'lakehouse_notify_retried_total',
  help: 'chat.postMessage calls retried after an error other than a rate limit',
  labelNames: ['reason'] as const,
  registers: [registry],
});
export const notifyRateLimitedTotal = new client.Counter({
  name: 'lakehouse_notify_rate_limited_total',
  help: 'HTTP 429 answers from Slack (each waited Retry-After)',
  registers: [registry],
});
export const notifyErrorsTotal = new client.Counter({
  name: 'lakehouse_notify_errors_total',
  help: 'Slack errors by code (retried or fatal)',
  labelNames: ['error'] as const,
  registers: [registry],
});
export const notifySkippedTotal = new client.Counter({
  name: 'lakehouse_notify_skipped_total',
  help: 'Activities not posted because they were already posted (found in the record or in the channel history)',
  labelNames: ['found_in'] as const,
  registers: [registry],
});
export const notifyCommitToSlackSeconds = new client.Histogram({
  name: 'lakehouse_notify_commit_to_slack_seconds',
  help: 'Time from the PostgreSQL commit of a new activity to Slack accepting its message',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const notifyQueueDepth = new client.Gauge({
  name: 'lakehouse_notify_queue_depth',
  help: 'Activities waiting to be posted (the consumer pauses when the queue is full)',
  registers: [registry],
});

// ---- bronze and silver writers (lake/bronze, lake/silver) -------------------------------------
export const bronzeRowsTotal = new client.Counter({
  name: 'lakehouse_bronze_rows_total',
  help: 'Change events appended to bronze tables, by table and operation',
  labelNames: ['table', 'op'] as const,
  registers: [registry],
});
export const bronzeDuplicatesSkippedTotal = new client.Counter({
  name: 'lakehouse_bronze_duplicates_skipped_total',
  help: 'Messages read again after a crash or rebalance that the bronze table already held (txn version)',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const bronzeCommitToBronzeSeconds = new client.Histogram({
  name: 'lakehouse_bronze_commit_to_bronze_seconds',
  help: 'Time from the PostgreSQL commit of a change to the Delta commit that holds it in bronze',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const bronzeBufferedMessages = new client.Gauge({
  name: 'lakehouse_bronze_buffered_messages',
  help: 'Messages read from the broker and not yet committed to bronze',
  registers: [registry],
});
export const silverRowsTotal = new client.Counter({
  name: 'lakehouse_silver_changes_total',
  help: 'Changes applied to silver tables, by table and what they did (insert, update, delete, truncate, ignored)',
  labelNames: ['table', 'action'] as const,
  registers: [registry],
});
export const silverCommitToSilverSeconds = new client.Histogram({
  name: 'lakehouse_silver_commit_to_silver_seconds',
  help: 'Time from the PostgreSQL commit of a change to the silver commit that applied it',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const silverBronzeLagVersions = new client.Gauge({
  name: 'lakehouse_silver_bronze_lag_versions',
  help: 'Bronze versions not yet applied to silver, by table',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const deadLettersTotal = new client.Counter({
  name: 'lakehouse_dead_letters_total',
  help: 'Messages sent to the dead-letter topic, by stage and reason',
  labelNames: ['stage', 'reason'] as const,
  registers: [registry],
});
export const deadLettersRepeatedTotal = new client.Counter({
  name: 'lakehouse_dead_letters_repeated_total',
  help: 'Dead letters read again after a restart or rebalance and not sent twice (the topic already held them)',
  labelNames: ['stage'] as const,
  registers: [registry],
});
export const deltaCommitsTotal = new client.Counter({
  name: 'lakehouse_delta_commits_total',
  help: 'Delta commits made, by table path and operation',
  labelNames: ['table', 'operation'] as const,
  registers: [registry],
});
export const deltaFilesAddedTotal = new client.Counter({
  name: 'lakehouse_delta_files_added_total',
  help: 'Data files added by Delta commits, by table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const deltaTableVersion = new client.Gauge({
  name: 'lakehouse_delta_table_version',
  help: 'Latest version this process committed or read, by table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const consumerLagMessages = new client.Gauge({
  name: 'lakehouse_consumer_lag_messages',
  help: "Messages in a partition after the consumer group's committed offset",
  labelNames: ['group', 'topic', 'partition'] as const,
  registers: [registry],
});

// ---- quality gate (quality/) -----------------------------------------------------------------
export const qualityEvaluatedTotal = new client.Counter({
  name: 'lakehouse_quality_evaluated_total',
  help: 'Records (or windows, for row count and freshness rules) a quality rule evaluated, by table and rule',
  labelNames: ['table', 'rule'] as const,
  registers: [registry],
});
export const qualityFailedTotal = new client.Counter({
  name: 'lakehouse_quality_failed_total',
  help: 'Records (or windows) that broke a quality rule, by table and rule, whatever the rule\'s action',
  labelNames: ['table', 'rule'] as const,
  registers: [registry],
});
export const qualityQuarantinedTotal = new client.Counter({
  name: 'lakehouse_quality_quarantined_total',
  help: 'Records kept out of silver and sent to quarantine, by table and the first rule they broke',
  labelNames: ['table', 'rule'] as const,
  registers: [registry],
});
export const qualityStopsTotal = new client.Counter({
  name: 'lakehouse_quality_stops_total',
  help: "Batches a 'fail' rule stopped (the stage stops without committing them), by table and rule",
  labelNames: ['table', 'rule'] as const,
  registers: [registry],
});
export const qualityCheckSeconds = new client.Histogram({
  name: 'lakehouse_quality_check_seconds',
  help: 'Time the quality gate took to check one batch of a table',
  labelNames: ['table'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [registry],
});

// ---- gold (lake/gold) -------------------------------------------------------------------------
export const goldRows = new client.Gauge({
  name: 'lakehouse_gold_rows',
  help: 'Rows in each gold table, by model',
  labelNames: ['model'] as const,
  registers: [registry],
});
export const goldLastRefreshSeconds = new client.Gauge({
  name: 'lakehouse_gold_last_refresh_timestamp_seconds',
  help: 'When each gold table last caught up with silver (Unix time), by model',
  labelNames: ['model'] as const,
  registers: [registry],
});
export const goldChangeToGoldSeconds = new client.Histogram({
  name: 'lakehouse_gold_change_to_gold_seconds',
  help: 'Time from the source commit of a change (silver _source_ts) to the gold commits that include it',
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});
export const goldRefreshSeconds = new client.Histogram({
  name: 'lakehouse_gold_refresh_seconds',
  help: 'Time one gold refresh took, by mode (incremental, full)',
  labelNames: ['mode'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  registers: [registry],
});
export const goldSilverChangesTotal = new client.Counter({
  name: 'lakehouse_gold_silver_changes_total',
  help: 'Silver row changes gold applied, by silver table',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const goldRecomputesTotal = new client.Counter({
  name: 'lakehouse_gold_recomputes_total',
  help: 'Full recomputations of gold from silver (first start, --full, an interrupted refresh, unreadable silver history)',
  registers: [registry],
});
export const goldSilverVersion = new client.Gauge({
  name: 'lakehouse_gold_silver_version',
  help: 'The silver table version gold covers, by silver table path (compare with lakehouse_delta_table_version)',
  labelNames: ['table'] as const,
  registers: [registry],
});

// ---- lake tables and consumer lag as measured from outside the writers (monitoring/probe.ts) ---
// Read from the Delta logs and the broker by `lakehouse run`, `lakehouse demo` and
// `lakehouse status --serve`, so the numbers exist even when the writer they describe is stopped.
export const deltaTableRows = new client.Gauge({
  name: 'lakehouse_delta_table_rows',
  help: "Rows in a Delta table (numRecords of its files' statistics), by table path",
  labelNames: ['table'] as const,
  registers: [registry],
});
export const deltaTableFiles = new client.Gauge({
  name: 'lakehouse_delta_table_files',
  help: 'Data files in the current version of a Delta table, by table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const deltaTableBytes = new client.Gauge({
  name: 'lakehouse_delta_table_bytes',
  help: 'Bytes of the data files in the current version of a Delta table, by table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const deltaTableLastCommitSeconds = new client.Gauge({
  name: 'lakehouse_delta_table_last_commit_timestamp_seconds',
  help: 'When the latest commit of a Delta table was written (Unix time), by table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const lakeSilverLagVersions = new client.Gauge({
  name: 'lakehouse_lake_silver_lag_versions',
  help: 'Bronze versions the silver table has not applied, read from the Delta logs, by silver table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const lakeGoldLagVersions = new client.Gauge({
  name: 'lakehouse_lake_gold_lag_versions',
  help: 'Versions of a silver table the gold tables have not applied yet (the most of any gold table), by silver table path',
  labelNames: ['table'] as const,
  registers: [registry],
});
export const probeErrorsTotal = new client.Counter({
  name: 'lakehouse_probe_errors_total',
  help: 'Failed measurements of the lake or the broker by the monitoring probe, by what it measured',
  labelNames: ['source'] as const,
  registers: [registry],
});

// ---- shared -----------------------------------------------------------------------------------
export const errorsTotal = new client.Counter({
  name: 'lakehouse_errors_total',
  help: 'Errors by stage',
  labelNames: ['stage'] as const,
  registers: [registry],
});

export interface HealthSource {
  name: string;
  healthy(): boolean;
  detail?(): Record<string, unknown>;
}

const healthSources: HealthSource[] = [];

export function registerHealth(source: HealthSource): void {
  healthSources.push(source);
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** Serves /metrics and /health; binds to loopback unless told otherwise. */
export async function startMetricsServer(host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (e: Error) => {
          res.writeHead(500);
          res.end(e.message);
        },
      );
      return;
    }
    if (req.url === '/health') {
      const parts = healthSources.map((s) => ({ name: s.name, healthy: s.healthy(), ...(s.detail?.() ?? {}) }));
      const ok = parts.every((p) => p.healthy);
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unhealthy', parts }));
      return;
    }
    res.writeHead(404);
    res.end('not found: try /metrics or /health\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  logger('monitoring').info(`metrics on http://${host}:${actual}/metrics`);
  return { port: actual, close: () => new Promise((r) => server.close(() => r())) };
}
