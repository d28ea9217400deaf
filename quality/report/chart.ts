// The pass rate of a rule over time as an inline SVG bar chart: one bar per time bucket, its
// height the bucket's pass rate, red where it fell below the rule's `mostly`. Inline so the
// report needs nothing but the one file.

import { escapeHtml } from './html.js';

export interface Bucket {
  start: Date;
  evaluated: number;
  failed: number;
}

const STEPS_MS = [60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000];
const MAX_BARS = 40;

/** A bucket width giving at most MAX_BARS bars over [first, last]. */
export function bucketWidth(first: number, last: number): number {
  return STEPS_MS.find((s) => (last - first) / s < MAX_BARS) ?? STEPS_MS[STEPS_MS.length - 1]!;
}

export function passRateChart(buckets: Bucket[], mostly: number, width = 240, height = 40): string {
  if (buckets.length === 0) return '<svg class="chart" width="240" height="40" role="img" aria-label="no data"></svg>';
  const bw = Math.max(2, Math.floor(width / Math.max(buckets.length, 10)));
  const bars = buckets.map((b, i) => {
    const rate = b.evaluated === 0 ? 1 : 1 - b.failed / b.evaluated;
    const h = Math.max(1, Math.round(rate * (height - 2)));
    const ok = rate + 1e-9 >= mostly;
    const label = `${b.start.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${percent(rate)} (${b.failed} of ${b.evaluated} failed)`;
    return `<rect x="${i * bw}" y="${height - h}" width="${bw - 1}" height="${h}" fill="${ok ? '#2e7d32' : '#c62828'}"><title>${escapeHtml(label)}</title></rect>`;
  });
  const y = height - Math.round(mostly * (height - 2));
  return `<svg class="chart" width="${buckets.length * bw}" height="${height}" viewBox="0 0 ${buckets.length * bw} ${height}" role="img" aria-label="pass rate over time">${bars.join('')}<line x1="0" x2="${buckets.length * bw}" y1="${y}" y2="${y}" stroke="#555" stroke-dasharray="2,2"/></svg>`;
}

export function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 2)} %`;
}
