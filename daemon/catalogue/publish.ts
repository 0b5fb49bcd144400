/**
 * `doublon publish`: a site's images into the catalogue, incrementally and atomically.
 *
 * One transaction per publish, under the catalogue's advisory lock: the rows of the repository are diffed
 * against the local index (only added, changed and removed files are written), contents new to the catalogue
 * are added with their fingerprints and verified against the catalogue's near neighbours (pairs), the
 * repository's revision advances, and `NOTIFY doublon_catalogue` tells listening daemons. A dropped connection
 * or a killed process before COMMIT leaves the previous catalogue exactly as it was. Publishes from many CI
 * runners serialise on the lock: each holds it for as long as its own changes take (a 1 % change of a
 * 20 000-image site: well under a second; see bench/catalogue.ts), and two of them can never miss a pair
 * between contents they add at the same time.
 */
import type pg from 'pg';
import type { Fingerprint, NearThresholds } from '../hash';
import { copyRows } from './copy';
import { encodeFingerprint } from './codec';
import { CATALOGUE_LOCK, migrate } from './schema';
import { catalogueFingerprints, findPairs } from './search';
import { syncKeys, type KeySyncStats } from './key-cache';
import type { SiteImage } from './site';

export const NOTIFY_CHANNEL = 'doublon_catalogue';

export interface PublishOptions {
  repository: string;
  commit?: string;
  publicUrl?: string;
  library?: boolean;
  thresholds: NearThresholds;
  /** The local index's schema: fingerprints of another version are never compared. */
  fingerprintVersion: number;
  /** The site's copy of the catalogue's keys (key-cache.ts): only the changes since are read. */
  keyCache?: string;
}

export interface PublishResult {
  repository: string;
  revision: number;
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  newContents: number;
  pairs: number;
  /** How the catalogue's keys were obtained for the search of new contents (absent when nothing was new). */
  keys?: KeySyncStats;
}

/** The payload of a NOTIFY on NOTIFY_CHANNEL. */
export interface CatalogueNotice {
  repository: string;
  revision: number;
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

export async function publish(
  client: pg.Client,
  images: readonly SiteImage[],
  fingerprintOf: (sha256: string) => Fingerprint | undefined,
  options: PublishOptions,
): Promise<PublishResult> {
  await migrate(client);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [CATALOGUE_LOCK]);
    const repo = await client.query<{ id: number }>(
      `INSERT INTO repositories (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
      [options.repository],
    );
    const repositoryId = repo.rows[0].id;

    // What the catalogue holds for this repository, against what the site has now.
    const published = new Map<string, { sha: string; url: string | null }>();
    const current = await client.query<[string, Buffer, string | null]>({
      text: 'SELECT path, sha256, url FROM images WHERE repository_id = $1',
      values: [repositoryId],
      rowMode: 'array',
    });
    for (const [p, sha, url] of current.rows) published.set(p, { sha: sha.toString('hex'), url });
    const local = new Map(images.map((image) => [image.path, image]));
    const removed = [...published.keys()].filter((p) => !local.has(p));
    const written = images.filter((image) => {
      const before = published.get(image.path);
      return !before || before.sha !== image.sha256 || before.url !== (image.url ?? null);
    });
    const added = written.filter((image) => !published.has(image.path)).length;

    // Contents the catalogue has never seen: their fingerprints go in, and they are searched.
    const candidates = [...new Set(written.map((image) => image.sha256))];
    const known = new Set<string>();
    if (candidates.length > 0) {
      const { rows } = await client.query<[Buffer]>({
        text: 'SELECT sha256 FROM contents WHERE sha256 = ANY($1::bytea[])',
        values: [candidates.map(hex)],
        rowMode: 'array',
      });
      for (const [sha] of rows) known.add(sha.toString('hex'));
    }
    const newcomers = candidates
      .filter((sha) => !known.has(sha))
      .flatMap((sha256) => {
        const fingerprint = fingerprintOf(sha256);
        return fingerprint ? [{ sha256, fingerprint }] : [];
      });
    await copyRows(
      client,
      'contents',
      ['sha256', 'hash', 'format', 'fp_version', 'fingerprint'],
      newcomers.map((n) => [
        hex(n.sha256),
        n.fingerprint.hash,
        n.fingerprint.format,
        options.fingerprintVersion,
        encodeFingerprint(n.fingerprint),
      ]),
    );

    // Files: removed ones deleted, new and changed ones staged by COPY, then merged in one statement.
    if (removed.length > 0)
      await client.query('DELETE FROM images WHERE repository_id = $1 AND path = ANY($2::text[])', [repositoryId, removed]);
    // (An image whose content has no fingerprint — gone from the index meanwhile — waits for the next publish.)
    const inCatalogue = new Set([...known, ...newcomers.map((n) => n.sha256)]);
    const publishable = written.filter((image) => inCatalogue.has(image.sha256));
    if (publishable.length > 0) {
      await client.query(
        'CREATE TEMP TABLE incoming (path text, sha256 bytea, width integer, height integer, bytes bigint, url text) ON COMMIT DROP',
      );
      await copyRows(
        client,
        'incoming',
        ['path', 'sha256', 'width', 'height', 'bytes', 'url'],
        publishable.map((image) => [image.path, hex(image.sha256), image.width, image.height, image.bytes, image.url]),
      );
      await client.query(
        `INSERT INTO images (repository_id, path, sha256, width, height, bytes, url)
         SELECT $1, path, sha256, width, height, bytes, url FROM incoming
         ON CONFLICT (repository_id, path) DO UPDATE
           SET sha256 = EXCLUDED.sha256, width = EXCLUDED.width, height = EXCLUDED.height, bytes = EXCLUDED.bytes, url = EXCLUDED.url`,
        [repositoryId],
      );
    }

    // Near pairs of the new contents with everything the catalogue holds (the new ones included).
    let pairs = 0;
    let saveKeys = (): void => undefined;
    let keyStats: KeySyncStats | undefined;
    if (newcomers.length > 0) {
      const { keys, save, stats } = await syncKeys(client, options.fingerprintVersion, options.keyCache);
      saveKeys = save;
      keyStats = stats;
      const found = await findPairs(newcomers, keys, (shas) => catalogueFingerprints(client, shas), options.thresholds);
      await copyRows(
        client,
        'pairs',
        ['a', 'b', 'class', 'similarity'],
        found.map((p) => [hex(p.a), hex(p.b), p.class, p.similarity]),
      );
      pairs = found.length;
    }

    // Contents no file uses any more (this publish removed or replaced their last file) and their pairs go.
    const dropped = [
      ...new Set([
        ...removed.map((p) => published.get(p)!.sha),
        ...written.flatMap((i) => (published.has(i.path) ? [published.get(i.path)!.sha] : [])),
      ]),
    ];
    if (dropped.length > 0) {
      const orphans = await client.query<[Buffer]>({
        text: 'SELECT c.sha256 FROM contents c WHERE c.sha256 = ANY($1::bytea[]) AND NOT EXISTS (SELECT 1 FROM images i WHERE i.sha256 = c.sha256)',
        values: [dropped.map(hex)],
        rowMode: 'array',
      });
      const gone = orphans.rows.map(([sha]) => sha);
      if (gone.length > 0) {
        await client.query(
          'INSERT INTO removed_contents (sha256, fp_version) SELECT sha256, fp_version FROM contents WHERE sha256 = ANY($1::bytea[])',
          [gone],
        );
        await client.query('DELETE FROM pairs WHERE a = ANY($1::bytea[]) OR b = ANY($1::bytea[])', [gone]);
        await client.query('DELETE FROM contents WHERE sha256 = ANY($1::bytea[])', [gone]);
      }
    }

    const updated = await client.query<{ revision: string }>(
      `UPDATE repositories SET revision = revision + 1, commit = $2, published_at = now(), public_url = $3, is_library = $4 WHERE id = $1 RETURNING revision`,
      [repositoryId, options.commit ?? null, options.publicUrl ?? null, !!options.library],
    );
    const revision = Number(updated.rows[0].revision);
    const notice: CatalogueNotice = { repository: options.repository, revision };
    await client.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, JSON.stringify(notice)]);
    await client.query('COMMIT');
    saveKeys();
    return {
      repository: options.repository,
      revision,
      added,
      changed: written.length - added,
      removed: removed.length,
      unchanged: images.length - written.length,
      newContents: newcomers.length,
      pairs,
      ...(keyStats ? { keys: keyStats } : {}),
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
