/**
 * The catalogue's schema, as numbered migrations applied in order, each once, under an advisory lock (many CI
 * runners may start at once against a new database). A migration is never edited once released: a change is a
 * new one.
 *
 *   repositories  one row per published site or library: name, public base URL, library flag, revision
 *   images        one row per image file of a repository: path, content hash, perceptual hash, size, URL
 *   contents      one row per distinct content: its fingerprint (for verifying near copies between sites)
 *   pairs         verified similar contents (pixel / near), computed when a content is first published
 *   removed_contents  contents removed, numbered with the additions (`change`): clients keep the keys (key-cache.ts)
 *
 * Exact copies need no pair: they share `images.sha256`. Pairs are kept between contents, not files, so a
 * copy published by a hundredth site costs nothing more.
 */
import type pg from 'pg';

const MIGRATIONS: readonly string[] = [
  `CREATE TABLE repositories (
     id            serial PRIMARY KEY,
     name          text NOT NULL UNIQUE,
     public_url    text,
     is_library    boolean NOT NULL DEFAULT false,
     revision      bigint NOT NULL DEFAULT 0,
     commit        text,
     published_at  timestamptz
   );
   CREATE TABLE contents (
     sha256        bytea PRIMARY KEY,
     hash          bytea NOT NULL,
     format        text NOT NULL,
     fp_version    integer NOT NULL,
     fingerprint   bytea NOT NULL
   );
   CREATE TABLE images (
     repository_id integer NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
     path          text NOT NULL,
     sha256        bytea NOT NULL REFERENCES contents (sha256),
     width         integer NOT NULL,
     height        integer NOT NULL,
     bytes         bigint NOT NULL,
     url           text,
     PRIMARY KEY (repository_id, path)
   );
   CREATE INDEX images_by_content ON images (sha256);
   CREATE TABLE pairs (
     a             bytea NOT NULL REFERENCES contents (sha256),
     b             bytea NOT NULL REFERENCES contents (sha256),
     class         text NOT NULL CHECK (class IN ('pixel', 'near')),
     similarity    real NOT NULL,
     PRIMARY KEY (a, b),
     CHECK (a < b)
   );
   CREATE INDEX pairs_by_b ON pairs (b);`,
  // 2: changes numbered, so a client keeps the keys and reads only what changed since (catalogue/key-cache.ts).
  `CREATE TABLE catalogue_identity (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), created_at timestamptz NOT NULL DEFAULT now());
   INSERT INTO catalogue_identity DEFAULT VALUES;
   CREATE SEQUENCE catalogue_changes;
   ALTER TABLE contents ADD COLUMN change bigint NOT NULL DEFAULT nextval('catalogue_changes');
   CREATE INDEX contents_by_change ON contents (change);
   CREATE TABLE removed_contents (
     change        bigint PRIMARY KEY DEFAULT nextval('catalogue_changes'),
     sha256        bytea NOT NULL,
     fp_version    integer NOT NULL
   );`,
];

/** The lock every writer of the catalogue takes (one transaction at a time adds contents and pairs). */
export const CATALOGUE_LOCK = 0x646f75626c; // "doubl", within a safe integer

/** Brings the schema up to date; returns the version. Safe to call from many processes at once. */
export async function migrate(client: pg.Client): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CATALOGUE_LOCK]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS doublon_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM doublon_migrations');
    const current = rows[0]?.version ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      await client.query(MIGRATIONS[v]);
      await client.query('INSERT INTO doublon_migrations (version) VALUES ($1)', [v + 1]);
    }
    await client.query('COMMIT');
    return MIGRATIONS.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The schema version a read-only client finds (0: none yet). Readers never migrate. */
export async function schemaVersion(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ exists: boolean }>("SELECT to_regclass('doublon_migrations') IS NOT NULL AS exists");
  if (!rows[0]?.exists) return 0;
  const result = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM doublon_migrations');
  return result.rows[0]?.version ?? 0;
}

export const SCHEMA_VERSION = MIGRATIONS.length;
