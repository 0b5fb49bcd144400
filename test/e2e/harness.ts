/**
 * End-to-end harness: a real VS Code (code-server 4.100.3, installed by .ci/install-e2e.sh) on a free port in
 * its own process group, the packaged .vsix installed, a fresh copy of examples/city-site opened, driven by
 * headless Chromium through playwright-core. `close()` always stops everything (the browser, code-server's
 * process group, the daemon the extension started) and screenshots land in test-artifacts/e2e/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../helpers/net';
import { waitFor } from '../helpers/wait';

export const ROOT = path.resolve(__dirname, '../../..');
const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/code-server/out/node/entry.js');
const CHROMIUM = process.env.DOUBLON_CHROMIUM ?? '/usr/lib/chromium/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts/e2e');

export function vsixPath(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  // The linux-x64 package: the platform this test machine runs (scripts/build-extension.mjs makes one per platform).
  const file = path.join(ROOT, `${pkg.name}-linux-x64-${pkg.version}.vsix`);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run package\` first (npm run test:e2e does)`);
  return file;
}

export { waitFor };

/** Copies a folder, leaving out an index left by a previous scan. */
function copySite(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true, filter: (src) => path.basename(src) !== '.doublon' });
}

const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.ignoreRecommendations': true,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'security.workspace.trust.enabled': false,
  'files.autoSave': 'off',
  'editor.hover.delay': 300,
  'chat.disableAIFeatures': true,
};

export interface E2eOptions {
  /** Artifact folder name (per test file). */
  name: string;
  /** Install the .vsix into code-server (the UI tests); the in-host tests load the unpacked one instead. */
  installVsix: boolean;
  /** Extra workbench URL query (`&payload=…`), given the port and the workspace. */
  query?: (port: number, workspace: string) => string;
  /** Changes to the fresh workspace copy before VS Code opens it. */
  prepare?: (workspace: string) => void;
  /** Called before the page opens the workbench (e.g. `exposeFunction`). */
  beforeOpen?: (page: Page) => Promise<void>;
}

export class E2e {
  private step = 0;
  private constructor(
    readonly base: string,
    readonly workspace: string,
    readonly port: number,
    private readonly codeServer: ChildProcess,
    readonly context: BrowserContext,
    readonly page: Page,
    readonly artifacts: string,
    readonly serverLog: string,
  ) {}

  static async start(options: E2eOptions): Promise<E2e> {
    if (!fs.existsSync(CODE_SERVER)) throw new Error(`code-server is not installed at ${CODE_SERVER}: run \`bash .ci/install-e2e.sh\``);
    if (!fs.existsSync(CHROMIUM)) throw new Error(`chromium is missing at ${CHROMIUM}: run \`bash .ci/install-e2e.sh\``);
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-e2e-'));
    const workspace = path.join(base, 'city-site');
    copySite(path.join(ROOT, 'examples/city-site'), workspace);
    options.prepare?.(workspace);
    const userData = path.join(base, 'user');
    const extensions = path.join(base, 'extensions');
    fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
    fs.mkdirSync(extensions, { recursive: true });
    fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(QUIET_SETTINGS, null, 2));
    const home = path.join(base, 'home');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      XDG_CONFIG_HOME: path.join(home, 'config'),
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      TMPDIR: path.join(home, 'tmp'),
    };
    for (const dir of ['config', 'data', 'cache', 'tmp']) fs.mkdirSync(path.join(home, dir), { recursive: true });
    const artifacts = path.join(ARTIFACTS, options.name);
    fs.rmSync(artifacts, { recursive: true, force: true });
    fs.mkdirSync(artifacts, { recursive: true });
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
    if (options.installVsix) {
      const installed = spawnSync(process.execPath, [CODE_SERVER, ...common, '--install-extension', vsixPath()], {
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (installed.status !== 0)
        throw new Error(`code-server --install-extension failed (${installed.status}): ${installed.stderr || installed.stdout}`);
    }
    const port = await freePort();
    const serverLog = path.join(artifacts, 'code-server.log');
    const out = fs.openSync(serverLog, 'w');
    const codeServer = spawn(
      process.execPath,
      [
        CODE_SERVER,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        ...common,
        workspace,
      ],
      { detached: true, stdio: ['ignore', out, out], env },
    );
    fs.closeSync(out);
    let context: BrowserContext | undefined;
    try {
      await waitFor(
        'code-server /healthz',
        async () => {
          if (codeServer.exitCode !== null)
            throw new Error(`code-server exited with ${codeServer.exitCode}: ${fs.readFileSync(serverLog, 'utf8').slice(-2000)}`);
          const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          return response?.ok;
        },
        60_000,
      ).catch((error: Error) => {
        if (codeServer.exitCode !== null)
          throw new Error(`code-server exited with ${codeServer.exitCode}: ${fs.readFileSync(serverLog, 'utf8').slice(-2000)}`);
        throw error;
      });
      context = await chromium.launchPersistentContext(path.join(base, 'profile'), {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1400, height: 900 },
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const page = context.pages()[0] ?? (await context.newPage());
      if (options.beforeOpen) await options.beforeOpen(page);
      const e2e = new E2e(base, workspace, port, codeServer, context, page, artifacts, serverLog);
      await page.goto(
        `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}${options.query ? options.query(port, workspace) : ''}`,
      );
      return e2e;
    } catch (error) {
      await context?.close().catch(() => undefined);
      await stopGroup(codeServer);
      fs.rmSync(base, { recursive: true, force: true });
      throw error;
    }
  }

  /** A numbered screenshot of the current page. */
  async shot(label: string): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.step).padStart(2, '0')}-${label.replace(/[^a-z0-9-]+/gi, '-')}.png`);
    await this.page.screenshot({ path: file }).catch(() => undefined);
    return file;
  }

  /** Stops the browser, code-server (its process group) and the daemon the extension started; removes the temp folder. */
  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await stopGroup(this.codeServer);
    await stopDaemonOf(this.workspace);
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group, SIGKILL if it is still there after a bounded wait. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  await killGroup(pid);
}

async function killGroup(pid: number): Promise<void> {
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return;
  }
  await waitFor(`process group ${pid} to exit`, () => !alive(pid), 10_000).catch(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  });
}

/**
 * The daemon runs detached, in its own process group: stop it through daemon.json. The extension starts it
 * supervised (--restart-on-crash), and the supervisor leads the group: the daemon's own pid leads none, so
 * signalling its group stopped nothing and both lingered until their idle exit.
 */
async function stopDaemonOf(workspace: string): Promise<void> {
  const info = path.join(workspace, '.doublon', 'daemon.json');
  let leader: number | undefined;
  try {
    const { pid, supervisor } = JSON.parse(fs.readFileSync(info, 'utf8')) as { pid: number; supervisor?: number };
    leader = supervisor ?? pid;
  } catch {
    return;
  }
  if (leader) await killGroup(leader);
}
