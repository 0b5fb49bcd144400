/** Runs the `doublon` CLI in-process (fast) or as a real child process (exit codes, stdio). */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../daemon/cli/main';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(cwd: string, ...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'doublon', ...args], { cwd, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

export const BIN = path.resolve(__dirname, '../../../bin/doublon.js');

/** `asNobody`: when the tests run as root, run the command as uid/gid 65534 (permissions apply to it). */
export function spawnCli(cwd: string, options: { asNobody?: boolean }, ...args: string[]): CliResult {
  const ids = options.asNobody ? { uid: 65534, gid: 65534 } : {};
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, ...ids });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
