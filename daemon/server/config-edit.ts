/**
 * Editing `doublon.config.json` for `doublon/ignore`: the entry is appended to `ignore`, the result validated
 * like a hand-written config, and the file written atomically with its mode, owner and group kept. A file
 * that is not valid JSON is never overwritten: the user's edits come first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ResolvedConfig } from '../config/load';
import { readConfigFile } from '../config/load';
import { ConfigError, validateConfig } from '../config/validate';
import { CONFIG_FILE_NAME } from '../../protocol/settings';
import { RpcError, RpcErrorCodes } from '../../protocol/errors';
import { atomicWrite } from '../fs/atomic-write';
import { toPosix } from '../scan/relative';

/**
 * Appends one ignore entry for `files` (absolute paths): one file is never reported (its path as a glob,
 * metacharacters escaped); several are declared distinct from each other. The config file is created beside
 * the index's base folder when missing. Returns the configuration as it now reads.
 */
export async function addIgnoreEntry(config: ResolvedConfig, files: string[]): Promise<ResolvedConfig> {
  const file = config.file ?? path.join(config.baseDir, CONFIG_FILE_NAME);
  let raw: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new RpcError(
        RpcErrorCodes.ConfigInvalid,
        `${file} is not valid JSON (${(error as Error).message}); fix it before ignoring duplicates`,
      );
    }
  }
  const relative = files.map((p) => toPosix(path.relative(config.baseDir, p)));
  const entry = relative.length === 1 ? relative[0].replace(/[*?[\]{}()!+@\\]/g, '\\$&') : { paths: relative };
  raw.ignore = [...(Array.isArray(raw.ignore) ? (raw.ignore as unknown[]) : []), entry];
  try {
    validateConfig(raw, file);
    // Written like every file Doublon changes: atomically, with its mode, owner and group kept.
    const old = fs.existsSync(file) ? fs.statSync(file) : undefined;
    await atomicWrite(file, JSON.stringify(raw, null, 2) + '\n', old ? { mode: old.mode, uid: old.uid, gid: old.gid } : { mode: 0o644 });
    return { ...config, file, settings: readConfigFile(file) };
  } catch (error) {
    throw new RpcError(
      RpcErrorCodes.ConfigInvalid,
      error instanceof ConfigError ? error.message : `cannot write ${file}: ${(error as Error).message}`,
    );
  }
}
