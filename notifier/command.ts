import type { Command } from '../cli/command.js';
import { loadConfig, type Config } from '../common/config.js';
import { logger } from '../common/log.js';
import { runService } from '../cli/service.js';
import { registerHealth } from '../monitoring/metrics.js';
import { loadTemplates, MessageFormatter } from './format.js';
import { Notifier, notifierOptions } from './notifier.js';
import { LogSink, SlackSink, type Sink } from './slack.js';

const log = logger('notify');

export function sinkFor(config: Config): Sink {
  if (!config.slack.token) return new LogSink(config.slack.channel);
  return new SlackSink({
    token: config.slack.token,
    channel: config.slack.channel,
    apiUrl: config.slack.apiUrl,
    intervalMs: config.notify.intervalMs,
    burst: config.notify.burst,
  });
}

export const notifyCommand: Command = {
  name: 'notify',
  summary: 'Post a Slack message for each new activity, exactly once',
  description:
    'Follows the activities topic as a consumer group and posts one message per live insert (never for\n' +
    'snapshot rows, updates or deletes) to slack.channel, in French, with the employee\'s name from the\n' +
    "employees' changes. Keeps to Slack's rate (about 1 message/s per channel), and never posts a message\n" +
    'twice, even after a crash. Without SLACK_BOT_TOKEN the messages are printed to the log instead.\n' +
    'Configuration: SLACK_BOT_TOKEN, SLACK_CHANNEL, KAFKA_BROKERS, TOPIC_PREFIX and the notify.* options\n' +
    '(lakehouse config docs); message templates: docs/notifier.md.',
  options: {
    channel: { type: 'string', arg: 'CHANNEL', help: 'channel name or ID (overrides slack.channel)' },
    templates: { type: 'string', arg: 'FILE', help: 'message templates JSON file (overrides notify.templates)' },
    'metrics-port': { type: 'string', arg: 'PORT', help: 'port for /metrics and /health (overrides metrics.port; 0 = any free port)' },
  },
  run: async (args) => {
    const config = loadConfig({
      overrides: { 'slack.channel': args.values.channel, 'notify.templates': args.values.templates, 'metrics.port': args.values['metrics-port'] },
    });
    const formatter = new MessageFormatter(loadTemplates(config.notify.templates));
    let ready = false;
    registerHealth({ name: 'notify', healthy: () => ready });
    const notifier = new Notifier(notifierOptions(config), sinkFor(config), formatter, {
      onReady: () => {
        if (!ready) log.info('notifying: waiting for new activities');
        ready = true;
      },
    });
    await runService(config, log, notifier, 'finishing the message in flight and stopping');
  },
};
