import type { Command } from '../../cli/command.js';
import { loadConfig, type Config } from '../../common/config.js';
import { logger } from '../../common/log.js';
import { runService } from '../../cli/service.js';
import { BronzeWriter, type BronzeOptions } from './writer.js';

const log = logger('bronze');

export function bronzeOptions(config: Config): BronzeOptions {
  return {
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    prefix: config.kafka.topicPrefix,
    groupId: config.bronze.groupId,
    lakeRoot: config.lake.root,
    tables: config.bronze.tables,
    batchMaxRows: config.bronze.batchMaxRows,
    batchMaxBytes: config.bronze.batchMaxBytes,
    batchMaxWaitMs: config.bronze.batchMaxWaitMs,
    sessionTimeoutMs: config.bronze.sessionTimeoutMs,
    partitions: config.kafka.partitions,
    replicationFactor: config.kafka.replicationFactor,
    compaction: config.lake.compactIntervalMs > 0
      ? { intervalMs: config.lake.compactIntervalMs, minFiles: config.lake.compactMinFiles, targetBytes: config.lake.compactTargetBytes }
      : undefined,
  };
}

export const bronzeCommand: Command = {
  name: 'bronze',
  summary: 'Append every change event, once, to bronze Delta tables',
  description:
    'Follows the change topics as a consumer group and appends each event to bronze/<schema>/<table>\n' +
    'under the lake root: the source columns, typed, plus _op, _lsn, _tx_id, _source_ts, _ingested_at,\n' +
    '_topic, _partition, _offset; partitioned by _ingest_date. Each commit records the offsets it holds\n' +
    '(Delta txn), so a crash or a second writer never doubles a change. Messages that are not change\n' +
    'events go to <prefix>.dlq with the reason. Start several with the same bronze.groupId to share\n' +
    'the partitions. Configuration: KAFKA_BROKERS, TOPIC_PREFIX, LAKE_ROOT and bronze.* (lakehouse config docs).',
  options: {
    root: { type: 'string', arg: 'ROOT', help: 'lake root: a folder, s3://bucket/prefix or az://container/prefix (overrides lake.root / LAKE_ROOT)' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({ overrides: { 'lake.root': args.values.root, 'metrics.port': args.values['metrics-port'] } });
    const writer = () =>
      new BronzeWriter(bronzeOptions(config), {
        onReady: () => log.info('bronze writer ready', { lake: config.lake.root, group: config.bronze.groupId }),
      });
    await runService(config, log, writer, 'writing what is buffered and stopping');
  },
};
