// Log sequence numbers. PostgreSQL prints them as "XXXXXXXX/YYYYYYYY"; they are 64-bit, so they
// are bigint here (a JS number loses exactness past 2^53, which a busy server's WAL reaches).

export type Lsn = bigint;

export function parseLsn(text: string): Lsn {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error(`not an LSN: ${text}`);
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}

export function formatLsn(lsn: Lsn): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** A change's place in the stream, as written to the POSITION_HEADER (orders as a string). */
export function positionOf(commitLsn: Lsn, seq: number, suffix = ''): string {
  return `${commitLsn.toString(16).padStart(16, '0')}/${String(seq).padStart(10, '0')}${suffix}`;
}
