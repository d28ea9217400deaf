// A Slack sink that keeps a note of what it posted, so the demo's summary can show the messages
// whether they went to Slack or to the log.

import type { OutgoingMessage, Sink } from '../notifier/slack.js';

export class RecordingSink implements Sink {
  posted = 0;
  readonly first: string[] = [];

  constructor(
    private readonly inner: Sink,
    private readonly keep = 3,
  ) {}

  get name(): Sink['name'] {
    return this.inner.name;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async post(message: OutgoingMessage): Promise<string> {
    const ts = await this.inner.post(message);
    this.posted++;
    if (this.first.length < this.keep) this.first.push(message.text);
    return ts;
  }

  postedKeys(oldest: number): Promise<Map<string, string>> {
    return this.inner.postedKeys(oldest);
  }
}
