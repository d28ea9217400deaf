// A single-node Apache Kafka broker in KRaft mode (no ZooKeeper), on loopback, from the jars
// Maven Central serves. Redpanda is what users run (docker-compose.yml); Apache Kafka is what
// runs where there is no container engine. Both speak the same Kafka API to kafkajs.

import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { UserError } from '../common/errors.js';
import { isAlive, portOpen, readPid, run, waitFor, which } from './process.js';
import { projectRoot } from './paths.js';

export interface KafkaOptions {
  dir: string;
  port: number;
  controllerPort?: number;
  /** Java heap; the broker is small on a 2-core machine. */
  heap?: string;
}

export function kafkaBrokers(o: KafkaOptions): string {
  return `127.0.0.1:${o.port}`;
}

function libsDir(): string {
  return process.env.KAFKA_LIBS ?? join(projectRoot(), '.stack', 'kafka-libs');
}

/** Copies Kafka's jars from Maven Central (cached in ~/.m2) unless they are already there. */
export function ensureKafkaJars(say: (s: string) => void): string {
  requireJava();
  const libs = libsDir();
  if (existsSync(libs) && readdirSync(libs).some((f) => f.startsWith('kafka_2.13-'))) return libs;
  if (!which('mvn')) {
    throw new UserError('mvn was not found; it fetches the Kafka broker from Maven Central', { fix: 'apt-get install maven' });
  }
  say(`fetching Apache Kafka from Maven Central into ${libs}`);
  mkdirSync(libs, { recursive: true });
  run('mvn', ['-q', '-B', '-f', join(projectRoot(), 'stack', 'kafka', 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${libs}`, '-DincludeScope=runtime'], {
    what: 'mvn dependency:copy-dependencies',
    fix: 'check that Maven Central is reachable (Maven settings, proxy) and try again',
  });
  return libs;
}

export function requireJava(): void {
  if (!which('java')) {
    throw new UserError('java was not found; the local Kafka broker needs a Java runtime (17 or newer)', {
      fix: 'apt-get install openjdk-17-jre-headless',
    });
  }
}

function writeConfig(o: KafkaOptions): string {
  const controller = o.controllerPort ?? o.port + 1;
  const dataDir = resolve(o.dir, 'data');
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${o.port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${o.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    // Topics are created by the product with the partitions it wants, as on Redpanda in production.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=168',
    'log.segment.bytes=268435456',
    '',
  ].join('\n');
  const file = join(o.dir, 'server.properties');
  writeFileSync(file, props);
  writeFileSync(
    join(o.dir, 'log4j.properties'),
    [
      'log4j.rootLogger=WARN, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${resolve(o.dir, 'server.log')}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );
  return file;
}

function clusterId(): string {
  return randomBytes(16).toString('base64url');
}

export async function kafkaUp(o: KafkaOptions, say: (s: string) => void): Promise<void> {
  mkdirSync(o.dir, { recursive: true });
  const pidFile = join(o.dir, 'kafka.pid');
  const pid = readPid(pidFile);
  if (pid && isAlive(pid)) {
    // Ours, running or still starting (another `up` started it a moment ago). On a busy machine a
    // port check can time out now and then, so wait for it rather than call the port taken.
    await waitFor('the Kafka broker', () => portOpen(o.port, '127.0.0.1', 2000), 90000, `see ${join(o.dir, 'server.log')}`);
    say(`Kafka already running on 127.0.0.1:${o.port}`);
    return;
  }
  if (await portOpen(o.port)) {
    throw new UserError(`port ${o.port} is taken by another program, so the stack's Kafka broker cannot listen there`, {
      fix: 'stop that program, or choose other ports with LAKEHOUSE_KAFKA_PORT',
    });
  }
  const libs = ensureKafkaJars(say);
  const config = writeConfig(o);
  const cp = `${libs}/*`;
  if (!existsSync(join(o.dir, 'data', 'meta.properties'))) {
    rmSync(join(o.dir, 'data'), { recursive: true, force: true });
    run('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config], {
      what: 'formatting the Kafka log folder',
      fix: `see ${o.dir}`,
    });
  }
  say(`starting Kafka (KRaft) on 127.0.0.1:${o.port}`);
  const logFd = openSync(join(o.dir, 'stdout.log'), 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${o.heap ?? '768m'}`,
      `-Xms${o.heap ?? '768m'}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${resolve(o.dir, 'log4j.properties')}`,
      '-cp',
      cp,
      'kafka.Kafka',
      config,
    ],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  child.unref();
  writeFileSync(pidFile, String(child.pid));
  await waitFor(
    'the Kafka broker',
    async () => {
      if (!isAlive(child.pid!)) throw new UserError(`the Kafka broker exited at start`, { fix: `see ${join(o.dir, 'server.log')} and ${join(o.dir, 'stdout.log')}` });
      return portOpen(o.port);
    },
    90000,
    `see ${join(o.dir, 'server.log')}`,
  );
}

export async function kafkaDown(o: KafkaOptions, say: (s: string) => void, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const pidFile = join(o.dir, 'kafka.pid');
  const pid = readPid(pidFile);
  if (!pid || !isAlive(pid)) {
    say('Kafka is not running');
    return;
  }
  say('stopping Kafka');
  process.kill(pid, signal);
  const deadline = Date.now() + 30000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
}
