// Reading this process's own metrics back: the demo's progress line and summary count with the
// same numbers Prometheus scrapes, rather than with counters of their own.

import type { Counter, Gauge } from 'prom-client';
import { registry } from './metrics.js';

type Labels = Record<string, string | number | undefined>;

/** Sum of a counter's or gauge's series, optionally only those whose labels pass `where`. */
export async function sumOf(metric: Counter<string> | Gauge<string>, where: (labels: Labels) => boolean = () => true): Promise<number> {
  const { values } = await metric.get();
  return values.filter((v) => where(v.labels as Labels)).reduce((n, v) => n + v.value, 0);
}

/** The whole registry in Prometheus's text format, as /metrics serves it. */
export function metricsText(): Promise<string> {
  return registry.metrics();
}
