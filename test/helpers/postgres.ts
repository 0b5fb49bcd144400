/**
 * A throwaway PostgreSQL cluster for the catalogue tests: Debian's server binaries (.ci/install-apt.sh),
 * `initdb` in a temp folder, `pg_ctl` on a free port of 127.0.0.1, password authentication over TCP (so a
 * wrong password is a real refusal), stopped and deleted by `stop()`. PostgreSQL refuses to run as root, so
 * when the tests run as root (CI does) the cluster runs as the `postgres` system user the package creates.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './net';

export interface TestCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgres://user:password@host:port/database */
  url: string;
  stop(): void;
}

function serverBinaries(): string {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base) ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql: run .ci/install-apt.sh');
  versions.sort((a, b) => Number(a) - Number(b));
  return path.join(base, versions[versions.length - 1], 'bin');
}

export async function startCluster(): Promise<TestCluster> {
  const bin = serverBinaries();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]): void => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args]] : [path.join(bin, command), args];
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr || result.stdout}`);
  };
  const user = 'doublon';
  const password = 'catalogue-test-password';
  const database = 'catalogue';
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, password);
  if (asRoot) {
    fs.chmodSync(dir, 0o700);
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
  }
  run('initdb', ['-D', data, '-U', user, '--pwfile', pwfile, '--auth-host=scram-sha-256', '--auth-local=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    path.join(dir, 'server.log'),
    '-w',
    '-t',
    '60',
    'start',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`,
  ]);
  run('createdb', ['-h', dir, '-p', String(port), '-U', user, database]);
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        /* already gone */
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
