// A schema with every PostgreSQL type docs/cdc.md maps, and a workload that makes every kind of
// event: snapshot rows, inserts, updates, a primary-key change, deletes, an unchanged TOASTed value,
// tables without a primary key (REPLICA IDENTITY FULL and DEFAULT), and a column with a default
// added mid-stream. Shared by the JsonConverter conformance test (cdc/json-converter.test.ts) and
// the comparison with Debezium Server (scripts/compare-debezium.ts), so both look at the same events.

export const EVERY_TYPE_DDL = `
create type mood as enum ('sad', 'ok', 'happy');
create domain positive_int as integer check (value > 0);
create table every_type (
  id int primary key,
  c_smallint smallint, c_integer integer, c_bigint bigint, c_oid oid,
  c_real real, c_double double precision,
  c_numeric numeric(10,2), c_numeric_free numeric, c_money money,
  c_bool boolean,
  c_text text, c_varchar varchar(10), c_char char(5), c_name name,
  c_uuid uuid, c_json json, c_jsonb jsonb, c_xml xml, c_bytea bytea,
  c_inet inet, c_cidr cidr, c_macaddr macaddr,
  c_date date, c_time time, c_time3 time(3), c_timetz timetz,
  c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz,
  c_interval interval,
  c_int_array int[], c_text_array text[], c_int_matrix int[][], c_date_array date[], c_numeric_array numeric(6,2)[],
  c_enum mood, c_enum_array mood[],
  c_domain positive_int,
  c_point point, c_tsvector tsvector,
  c_tstz_whole timestamptz, c_tstz3 timestamptz(3),
  c_required text not null default 'x',
  c_notnull int not null
);
create table toasty (id int primary key, small text, big text);
create table keyless_full (a int, b text);
alter table keyless_full replica identity full;
create table keyless_default (a int, b text);
`;

const COLUMNS = `id, c_smallint, c_integer, c_bigint, c_oid, c_real, c_double, c_numeric, c_numeric_free, c_money, c_bool,
  c_text, c_varchar, c_char, c_name, c_uuid, c_json, c_jsonb, c_xml, c_bytea, c_inet, c_cidr, c_macaddr,
  c_date, c_time, c_time3, c_timetz, c_ts, c_ts3, c_tstz, c_interval,
  c_int_array, c_text_array, c_int_matrix, c_date_array, c_numeric_array, c_enum, c_enum_array, c_domain, c_point, c_tsvector, c_tstz_whole, c_tstz3, c_required, c_notnull`;

/** Three rows: ordinary values, nulls, and edge values (infinities, NaN, extremes, empty arrays). */
export function everyTypeRows(firstId: number): string {
  const [a, b, c] = [firstId, firstId + 1, firstId + 2];
  return `insert into every_type (${COLUMNS}) values
  (${a}, 32767, -2147483648, 9223372036854775807, 4000000000, 1.5, 3.141592653589793, 12345678.91, 3.14159, 12.34, true,
   'héllo "quoted" \\ l''apostrophe', 'abc', 'ab', 'a_name', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": 1}', '{"b": [1, 2]}', '<a>x</a>', '\\x0102ff',
   '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',
   '2024-02-29', '13:45:30.123456', '13:45:30.123', '13:45:30+02', '2024-02-29 13:45:30.123456', '2024-02-29 13:45:30.123', '2024-02-29 13:45:30.5+02',
   '1 year 2 months 3 days 04:05:06.5',
   '{1,2,NULL}', '{"a b",c}', '{{1,2},{3,4}}', '{2024-01-01,1970-01-01}', '{1.50,-2.25}', 'happy', '{sad,happy}', 7, '(1,2)', 'a fat cat', '2024-02-29 13:45:30+02', '2024-02-29 13:45:30.5+02', 'y', 5),
  (${b}, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
   null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, 'z', 6),
  (${c}, -32768, 2147483647, -9223372036854775808, 0, 'NaN', '-Infinity', -0.01, -1e-20, -0.5, false,
   '', '', '', '', '00000000-0000-0000-0000-000000000000', '[]', 'null', '<b/>', '\\x',
   '::1', '::/0', '00:00:00:00:00:00',
   'infinity', '00:00:00', '23:59:59.999', '00:00:00-11', 'infinity', '-infinity', '-infinity',
   '-1 days -00:00:01',
   '{}', '{}', '{{{1},{2}},{{3},{4}}}', '{-infinity,0001-01-01}', '{}', 'sad', '{}', 1, '(0,0)', '', 'infinity', '1970-01-01 00:00:00.001+00', '', 7)`;
}

/** The streamed changes, one statement per transaction, in order. */
export function everyTypeWorkload(): string[] {
  return [
    everyTypeRows(11),
    `update every_type set c_text = 'updated', c_real = 2.25 where id = 11`,
    `update every_type set id = 22 where id = 12`,
    `delete from every_type where id = 13`,
    `insert into toasty values (1, 'a', repeat(md5('x'), 1000))`,
    `update toasty set small = 'b' where id = 1`,
    `insert into keyless_full values (1, 'one'), (2, 'two')`,
    `update keyless_full set b = 'uno' where a = 1`,
    `delete from keyless_full where a = 2`,
    `insert into keyless_default values (1, 'one')`,
    `alter table every_type add column c_added int not null default 42, add column c_added_text text default 'dflt'`,
    `insert into every_type (id, c_notnull) values (14, 8)`,
    `update every_type set c_added = 43 where id = 14`,
  ];
}

/** Rows present before the capture starts (its snapshot). */
export function everyTypeInitialRows(): string[] {
  return [everyTypeRows(1), `insert into keyless_full values (0, 'zero')`, `insert into keyless_default values (0, 'zero')`];
}

export const EVERY_TYPE_TABLES = ['every_type', 'toasty', 'keyless_full', 'keyless_default'];
