// How every long-running part runs as a command: its /metrics and /health server up first, then
// the part until it ends or a signal asks it to stop (it finishes what it holds, the next start
// resumes there), and the server closed at the end either way.

import type { Config } from '../common/config.js';
import type { Logger } from '../common/log.js';
import { startMetricsServer } from '../monitoring/metrics.js';

export interface Service {
  run(): Promise<void>;
  stop(): Promise<void> | void;
}

/** Runs `service` until it ends; SIGINT and SIGTERM stop it gracefully, saying `onStop`. */
export async function runService(config: Config, log: Logger, service: Service | (() => Service), onStop: string): Promise<void> {
  const server = await startMetricsServer(config.metrics.host, config.metrics.port);
  const part = typeof service === 'function' ? service() : service;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: ${onStop}`);
    void part.stop();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    await part.run();
  } finally {
    await server.close();
  }
}
