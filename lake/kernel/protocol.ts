// Which tables this implementation may read and write. A reader that ignores a feature it does
// not know returns wrong rows (deletion vectors hide rows, column mapping renames them), so
// anything outside these lists is refused with the feature's name.

import { UserError } from '../../common/errors.js';
import type { Metadata, Protocol } from './actions.js';
import { parseSchema, type DataType, type StructType } from './schema.js';

export const DEFAULT_PROTOCOL: Protocol = { minReaderVersion: 1, minWriterVersion: 2 };

/** Reader features understood (reader version 3 tables list them). */
export const READER_FEATURES = new Set(['timestampNtz', 'vacuumProtocolCheck']);
/** Writer features honoured (writer version 7 tables list them). */
export const WRITER_FEATURES = new Set(['appendOnly', 'invariants', 'timestampNtz', 'vacuumProtocolCheck']);

export function checkReadable(protocol: Protocol, metadata: Metadata | undefined, where: string): void {
  const v = protocol.minReaderVersion;
  if (v > 3 || v < 1) {
    throw new UserError(`the table needs Delta reader version ${v}; this lake reads versions 1 to 3`, {
      where,
      fix: 'read it with an engine that supports that protocol (Spark, delta-rs), or upgrade lakehouse',
    });
  }
  if (v === 3) {
    const unknown = (protocol.readerFeatures ?? []).filter((f) => !READER_FEATURES.has(f));
    if (unknown.length) {
      throw new UserError(`the table uses reader feature(s) ${unknown.join(', ')} that this lake does not support`, {
        where,
        fix: `supported reader features: ${[...READER_FEATURES].join(', ')}; see docs/lake.md`,
      });
    }
  }
  const mode = metadata?.configuration?.['delta.columnMapping.mode'];
  if (mode && mode !== 'none') {
    throw new UserError(`the table uses column mapping (mode ${mode}), which this lake does not support`, { where });
  }
}

export function checkWritable(protocol: Protocol, metadata: Metadata, where: string): void {
  checkReadable(protocol, metadata, where);
  const v = protocol.minWriterVersion;
  if (v > 7 || v < 1) throw new UserError(`the table needs Delta writer version ${v}; this lake writes versions 1 to 7`, { where });
  const refuse = (what: string): never => {
    throw new UserError(`cannot write this table: it uses ${what}, which this lake does not support`, {
      where,
      fix: 'write it with Spark or delta-rs; reading it is fine',
    });
  };
  if (v === 7) {
    const unknown = (protocol.writerFeatures ?? []).filter((f) => !WRITER_FEATURES.has(f));
    if (unknown.length) refuse(`writer feature(s) ${unknown.join(', ')}`);
  }
  const conf = metadata.configuration ?? {};
  if (v >= 3 && Object.keys(conf).some((k) => k.startsWith('delta.constraints.'))) refuse('CHECK constraints');
  if (v >= 4 && conf['delta.enableChangeDataFeed'] === 'true') refuse('the change data feed');
  const schema = parseSchema(metadata.schemaString);
  if (hasFieldMetadata(schema, 'delta.generationExpression')) refuse('generated columns');
  if (hasFieldMetadata(schema, 'delta.identity.start')) refuse('identity columns');
  if (hasFieldMetadata(schema, 'delta.invariants')) refuse('column invariants');
}

function hasFieldMetadata(schema: StructType, key: string): boolean {
  const visit = (t: DataType): boolean => {
    if (typeof t === 'string') return false;
    if (t.type === 'struct') return t.fields.some((f) => key in (f.metadata ?? {}) || visit(f.type));
    if (t.type === 'array') return visit(t.elementType);
    return visit(t.keyType) || visit(t.valueType);
  };
  return visit(schema);
}

export function isAppendOnly(metadata: Metadata): boolean {
  return metadata.configuration?.['delta.appendOnly'] === 'true';
}
