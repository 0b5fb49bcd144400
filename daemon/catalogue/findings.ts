/**
 * What the catalogue knows about a site's images: copies of them in other sites and in the shared libraries.
 *
 * Exact copies come from one join on the content hash; near copies from the pairs computed when each content
 * was first published. Contents of this site not yet published (a pull request's new images) are searched
 * on the spot, so `doublon check --catalogue` sees them before the merge that publishes them.
 *
 * Policy: a copy of a **library** image is a duplicate to fix (the site should use the library's URL) and
 * fails the check like a local duplicate of its class; a copy in another **site** is reported for
 * information only — a site cannot fix another's copy, and two city sites both holding the city's logo is
 * the library's job to end, not a reason to fail every site's CI.
 */
import type pg from 'pg';
import type { FailOn } from '../../protocol/settings';
import type { CatalogueCopy, CrossSiteFinding } from '../../protocol/catalogue';
import type { Fingerprint, NearThresholds } from '../hash';
import { catalogueFingerprints, findPairs } from './search';
import { syncKeys } from './key-cache';
import { schemaVersion } from './schema';
import type { SiteImage } from './site';

export interface CrossSiteOptions {
  /** This site's name in the catalogue: its own rows are not copies of itself. */
  repository?: string;
  thresholds: NearThresholds;
  fingerprintVersion: number;
  /** The site's copy of the catalogue's keys (key-cache.ts). */
  keyCache?: string;
}

const hex = (s: string): Buffer => Buffer.from(s, 'hex');

interface Row {
  sha: Buffer;
  repository: string;
  path: string;
  url: string | null;
  library: boolean;
}

async function imagesOf(client: pg.Client, shas: readonly string[], repository: string | undefined): Promise<Map<string, CatalogueCopy[]>> {
  const byContent = new Map<string, CatalogueCopy[]>();
  if (shas.length === 0) return byContent;
  const { rows } = await client.query<Row>(
    `SELECT i.sha256 AS sha, r.name AS repository, i.path, i.url, r.is_library AS library
       FROM images i JOIN repositories r ON r.id = i.repository_id
      WHERE i.sha256 = ANY($1::bytea[]) AND r.name IS DISTINCT FROM $2
      ORDER BY r.is_library DESC, r.name, i.path`,
    [shas.map(hex), repository ?? null],
  );
  for (const row of rows) {
    const sha = row.sha.toString('hex');
    const copy: CatalogueCopy = { repository: row.repository, path: row.path, library: row.library, ...(row.url ? { url: row.url } : {}) };
    const list = byContent.get(sha);
    if (list) list.push(copy);
    else byContent.set(sha, [copy]);
  }
  return byContent;
}

/** Copies of `images` elsewhere in the catalogue, library copies first, then by repository and path. */
export async function crossSiteFindings(
  client: pg.Client,
  images: readonly SiteImage[],
  fingerprintOf: (sha256: string) => Fingerprint | undefined,
  options: CrossSiteOptions,
): Promise<CrossSiteFinding[]> {
  if ((await schemaVersion(client)) === 0) return []; // nothing published yet
  const shas = [...new Set(images.map((i) => i.sha256))];

  // Near partners: from the stored pairs for published contents, searched now for the others.
  const partners = new Map<string, Array<{ sha: string; similarity: number }>>();
  const addPartner = (mine: string, other: string, similarity: number): void => {
    const list = partners.get(mine);
    if (list) list.push({ sha: other, similarity });
    else partners.set(mine, [{ sha: other, similarity }]);
  };
  const stored = await client.query<[Buffer, Buffer, number]>({
    text: 'SELECT a, b, similarity FROM pairs WHERE a = ANY($1::bytea[]) OR b = ANY($1::bytea[])',
    values: [shas.map(hex)],
    rowMode: 'array',
  });
  const mine = new Set(shas);
  for (const [a, b, similarity] of stored.rows) {
    const [ha, hb] = [a.toString('hex'), b.toString('hex')];
    if (mine.has(ha)) addPartner(ha, hb, similarity);
    if (mine.has(hb)) addPartner(hb, ha, similarity);
  }
  const published = new Set<string>();
  const known = await client.query<[Buffer]>({
    text: 'SELECT sha256 FROM contents WHERE sha256 = ANY($1::bytea[])',
    values: [shas.map(hex)],
    rowMode: 'array',
  });
  for (const [sha] of known.rows) published.add(sha.toString('hex'));
  const unpublished = shas
    .filter((sha) => !published.has(sha))
    .flatMap((sha256) => {
      const fingerprint = fingerprintOf(sha256);
      return fingerprint ? [{ sha256, fingerprint }] : [];
    });
  if (unpublished.length > 0) {
    const { keys, save } = await syncKeys(client, options.fingerprintVersion, options.keyCache);
    save();
    for (const n of unpublished) keys.add(n.sha256, n.fingerprint.hash);
    for (const pair of await findPairs(unpublished, keys, (list) => catalogueFingerprints(client, list), options.thresholds)) {
      if (mine.has(pair.a)) addPartner(pair.a, pair.b, pair.similarity);
      if (mine.has(pair.b)) addPartner(pair.b, pair.a, pair.similarity);
    }
  }

  const partnerShas = [...new Set([...partners.values()].flat().map((p) => p.sha))];
  const copiesOf = await imagesOf(client, [...new Set([...shas, ...partnerShas])], options.repository);
  const findings: CrossSiteFinding[] = [];
  for (const image of images) {
    for (const other of copiesOf.get(image.sha256) ?? [])
      findings.push({ path: image.path, sha256: image.sha256, class: 'exact', similarity: 1, other });
    for (const partner of partners.get(image.sha256) ?? []) {
      // A partner that is also one of this site's own contents is a local duplicate: the local scan reports it.
      for (const other of copiesOf.get(partner.sha) ?? [])
        findings.push({ path: image.path, sha256: image.sha256, class: 'near', similarity: partner.similarity, other });
    }
  }
  return findings.sort((x, y) => Number(y.other.library) - Number(x.other.library) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Whether a finding fails the check (see the policy above). */
export function failsCheck(finding: CrossSiteFinding, failOn: readonly FailOn[]): boolean {
  return finding.other.library && failOn.includes(finding.class);
}
