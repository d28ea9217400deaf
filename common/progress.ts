// Progress for long work (snapshots, backfills, exports): a bar on a terminal, a log line every
// few seconds otherwise (CI logs, files), so a long run never looks hung.

import { logger } from './log.js';

export interface Progress {
  update(done: number, note?: string): void;
  finish(note?: string): void;
}

export function progress(label: string, total: number | undefined): Progress {
  const tty = process.stderr.isTTY === true;
  const log = logger('progress');
  const started = Date.now();
  let lastPrint = 0;
  const line = (done: number, note = '') => {
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    const pct = total ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
    const bar = pct === undefined ? '' : '[' + '#'.repeat(Math.floor(pct / 4)).padEnd(25, '.') + `] ${String(pct).padStart(3)}% `;
    return `${label} ${bar}${done.toLocaleString('en')}${total ? '/' + total.toLocaleString('en') : ''} (${rate.toLocaleString('en')}/s)${note ? ' ' + note : ''}`;
  };
  return {
    update(done, note) {
      const now = Date.now();
      if (tty && now - lastPrint > 100) {
        process.stderr.write('\r' + line(done, note) + '\x1b[K');
        lastPrint = now;
      } else if (!tty && now - lastPrint > 5000) {
        log.info(line(done, note));
        lastPrint = now;
      }
    },
    finish(note) {
      if (tty) process.stderr.write('\r\x1b[K');
      log.info(`${label} done in ${((Date.now() - started) / 1000).toFixed(1)} s${note ? ': ' + note : ''}`);
    },
  };
}
