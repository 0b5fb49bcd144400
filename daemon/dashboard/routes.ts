/**
 * The dashboard's HTTP routes on the daemon:
 * - `GET /`, `/index.html`, `/app.js`, `/app.css`: the page shell. Public (after the Host/Origin checks,
 *   before the token check) so a reload without `?token=` still loads and can say "missing or wrong token";
 *   it holds no data. Everything the page shows comes from the routes below and `POST /rpc`, `GET /events`.
 * - `GET /thumbs?path=<relative to the first root>&size=<px>[&v=<sha256 prefix>]`: a WebP thumbnail of an
 *   indexed image, behind the token. Refuses paths outside the roots (after realpath) with 403.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { ResolvedConfig } from '../config/load';
import type { RpcEndpoint } from '../server/endpoint';
import type { FileInfo } from '../../protocol/methods';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import { readAssets, type AssetName } from './assets';
import { MAX_SOURCE_BYTES, ThumbCache, sha256, thumbSize } from './thumbs';

export interface DashboardOptions {
  /** The daemon's service: the thumbnails serve only files it has indexed. */
  endpoint: RpcEndpoint;
  config: ResolvedConfig;
  /** Routes served without the token (the HTTP server's `publicRoutes`): the page shell, which holds no data. Without it the shell needs the token too. */
  publicRoutes?: Router;
  log?: (line: string) => void;
}

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const TYPES: Record<AssetName, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
};

function fail(res: Response, status: number, error: string, message: string): void {
  res.status(status).json({ error, message });
}

function shellRouter(): Router {
  const router = express.Router();
  const assets = readAssets();
  const etags = Object.fromEntries(
    Object.entries(assets).map(([name, text]) => [name, `"${crypto.createHash('sha256').update(text).digest('hex').slice(0, 32)}"`]),
  );
  const serve =
    (name: AssetName) =>
    (req: Request, res: Response): void => {
      res.set({ 'Content-Type': TYPES[name], 'Cache-Control': 'no-cache', ETag: etags[name] });
      if (name === 'index.html') res.set('Content-Security-Policy', CSP);
      if (req.get('if-none-match') === etags[name]) {
        res.status(304).end();
        return;
      }
      res.status(200).send(assets[name]);
    };
  router.get(['/', '/index.html'], serve('index.html'));
  router.get('/app.css', serve('app.css'));
  router.get('/app.js', serve('app.js'));
  return router;
}

export interface Dashboard {
  /** Whether the page shell is public (a reload without the token still shows the page and its message). */
  publicShell: boolean;
}

/** Adds the dashboard to the daemon's HTTP server (`routes` is mounted behind the token check). */
export function registerDashboard(routes: Router, options: DashboardOptions): Dashboard {
  const { config, endpoint } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const shell = shellRouter();
  const publicShell = options.publicRoutes !== undefined;
  (options.publicRoutes ?? routes).use(shell);

  const cache = new ThumbCache(path.join(config.indexDir, 'thumbs'), config.settings.maxPixels);
  let realRoots: string[] | undefined;
  const rootsReal = (): string[] =>
    (realRoots ??= config.roots.map((root) => {
      try {
        return fs.realpathSync(root);
      } catch {
        return root;
      }
    }));
  const inside = (p: string, dirs: string[]): boolean =>
    dirs.some((dir) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep));

  routes.get('/thumbs', async (req, res) => {
    const requested = req.query.path;
    const sizeText = req.query.size ?? '160';
    if (typeof requested !== 'string' || requested === '' || requested.includes('\0')) {
      fail(res, 400, 'bad_request', 'path: expected a file path relative to the first root');
      return;
    }
    const sizeNumber = typeof sizeText === 'string' ? Number(sizeText) : NaN;
    if (!Number.isInteger(sizeNumber) || sizeNumber < 16 || sizeNumber > 2048) {
      fail(res, 400, 'bad_request', `size: expected an integer from 16 to 2048, received ${JSON.stringify(sizeText)}`);
      return;
    }
    const size = thumbSize(sizeNumber);
    // The service's rule: relative to the first root, links resolved, inside a root, not in the index folder.
    const resolved = path.resolve(config.roots[0], requested);
    let real: string;
    try {
      real = await fs.promises.realpath(resolved);
    } catch {
      if (!inside(resolved, config.roots)) fail(res, 403, 'outside_roots', `${requested} is outside the watched roots`);
      else fail(res, 404, 'not_found', `${requested} does not exist`);
      return;
    }
    if (!(inside(real, config.roots) || inside(real, rootsReal())) || inside(real, [config.indexDir])) {
      fail(res, 403, 'outside_roots', `${requested} is outside the watched roots`);
      return;
    }
    let info: FileInfo;
    try {
      info = (await endpoint.call('doublon/fileInfo', { path: real }, { transport: 'http', client: 'dashboard-thumbs' })) as FileInfo;
    } catch (error) {
      if (error instanceof RpcError && error.code === RpcErrorCodes.PathOutsideRoots)
        fail(res, 403, 'outside_roots', `${requested} is outside the watched roots`);
      else fail(res, 503, 'unavailable', `cannot look ${requested} up in the index: ${(error as Error).message}`);
      return;
    }
    if (!info.indexed || info.error) {
      fail(res, 404, 'not_indexed', info.error ? `${requested} cannot be decoded: ${info.error}` : `${requested} is not an indexed image`);
      return;
    }
    let bytes: Buffer;
    try {
      const stat = await fs.promises.stat(real);
      if (!stat.isFile()) throw new Error('not a file');
      if (stat.size > MAX_SOURCE_BYTES) {
        fail(res, 413, 'too_large', `${requested} is larger than ${MAX_SOURCE_BYTES} bytes`);
        return;
      }
      bytes = await fs.promises.readFile(real);
    } catch (error) {
      fail(res, 404, 'not_found', `${requested} cannot be read: ${(error as Error).message}`);
      return;
    }
    const sha = sha256(bytes);
    const etag = `"${sha.slice(0, 32)}-${size}"`;
    const version = req.query.v;
    // A URL that names the content (v = a prefix of its sha256) never changes meaning: cache it long.
    const immutable = typeof version === 'string' && version.length >= 8 && sha.startsWith(version.toLowerCase());
    res.set({
      'Cache-Control': immutable ? 'private, max-age=31536000, immutable' : 'private, max-age=60',
      ETag: etag,
      Vary: 'Authorization',
    });
    if (req.get('if-none-match') === etag) {
      res.status(304).end();
      return;
    }
    let thumb: Buffer;
    try {
      thumb = await cache.get(sha, size, () => Promise.resolve(bytes));
    } catch (error) {
      log(`thumbnail of ${real} failed: ${(error as Error).message}`);
      res.set('Cache-Control', 'no-store');
      fail(res, 422, 'undecodable', `${requested} cannot be rendered: ${(error as Error).message}`);
      return;
    }
    res.status(200).type('image/webp').send(thumb);
  });

  return { publicShell };
}
