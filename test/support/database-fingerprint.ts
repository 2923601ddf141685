// What a reused test database must be identical in to the template it was copied from
// (test/support/reused-pglite.ts, test/support/reused-postgres.ts): one md5 over the schema
// (relations, columns, defaults, constraints, indexes, triggers, functions, types, enum labels,
// extensions), roles, database settings, this session's settings and prepared statements, and the
// database's advisory locks. The rows of the tables the template has rows in are added by KEPT_ROWS.
const SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`;

const ITEMS = `
select item from (
  select format('rel %s.%s %s', n.nspname, c.relname, c.relkind) as item
    from pg_class c join pg_namespace n on n.oid = c.relnamespace where ${SCHEMAS}
  union all select format('col %s.%s %s %s %s %s', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, pg_get_expr(d.adbin, d.adrelid))
    from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where ${SCHEMAS} and a.attnum > 0 and not a.attisdropped
  union all select format('con %s %s %s', conrelid::regclass, conname, pg_get_constraintdef(k.oid))
    from pg_constraint k join pg_namespace n on n.oid = k.connamespace where ${SCHEMAS}
  union all select format('idx %s', pg_get_indexdef(i.indexrelid))
    from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace where ${SCHEMAS}
  union all select format('trg %s %s', pg_get_triggerdef(g.oid), g.tgenabled) from pg_trigger g where not g.tgisinternal
  union all select format('fn %s %s', p.oid::regprocedure, md5(p.prosrc))
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace where ${SCHEMAS}
  union all select format('type %s %s', t.oid::regtype, t.typtype) from pg_type t join pg_namespace n on n.oid = t.typnamespace where ${SCHEMAS}
  union all select format('enum %s %s %s', enumtypid::regtype, enumsortorder, enumlabel) from pg_enum
  union all select format('ext %s %s', extname, extversion) from pg_extension
  union all select format('role %s', rolname) from pg_roles
  union all select format('dbsetting %s', array_to_string(setconfig, ',')) from pg_db_role_setting
  union all select format('setting %s=%s', name, setting) from pg_settings where source not in ('default', 'override')
  union all select format('prepared %s', name) from pg_prepared_statements
  union all select format('lock %s', objid) from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())
) items order by item`;
export const FINGERPRINT = `select md5(string_agg(item, E'\\n' order by item)) as fingerprint from (${ITEMS}) all_items`;

/** Every table, schema-qualified and quoted. */
export const TABLES = `select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;

/** One md5 over a table's rows. */
export const KEPT_ROWS = (table: string) => `select md5(string_agg(r::text, E'\\n' order by r::text)) as rows from ${table} r`;
