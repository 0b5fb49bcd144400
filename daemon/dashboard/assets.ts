/**
 * The page's static files (plain HTML/CSS/JS, no build step), read from `daemon/dashboard/static/` in the
 * package (tsc does not copy them to out/, so both places are looked up).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ASSET_NAMES = ['index.html', 'app.css', 'app.js'] as const;
export type AssetName = (typeof ASSET_NAMES)[number];

export function assetDir(): string {
  const candidates = [
    path.join(__dirname, 'static'),
    path.resolve(__dirname, '../../../daemon/dashboard/static'), // out/daemon/dashboard → source tree
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'app.js')));
  if (!found) throw new Error(`the dashboard's static files are missing (looked in ${candidates.join(' and ')})`);
  return found;
}

let cache: Record<AssetName, string> | undefined;

export function readAssets(): Record<AssetName, string> {
  if (!cache) {
    const dir = assetDir();
    cache = Object.fromEntries(ASSET_NAMES.map((name) => [name, fs.readFileSync(path.join(dir, name), 'utf8')])) as Record<
      AssetName,
      string
    >;
  }
  return cache;
}

/** Bytes of the page as served (HTML + CSS + JS, uncompressed). */
export function pageWeight(): number {
  const assets = readAssets();
  return ASSET_NAMES.reduce((sum, name) => sum + Buffer.byteLength(assets[name]), 0);
}
