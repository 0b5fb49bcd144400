/** `doublon serve`: start (or reuse) the daemon of this index and hand out the dashboard's address. */
import { spawn } from 'node:child_process';
import type { ResolvedConfig } from '../config/load';
import { ensureDaemon } from '../cli/daemon-command';
import type { DaemonInfo } from '../server/lifecycle';

export interface ServeOptions {
  port?: number;
  poll?: boolean;
  /** Open the address in the default browser too. */
  open?: boolean;
}

export function dashboardUrl(info: Pick<DaemonInfo, 'port' | 'token'>): string {
  return `http://127.0.0.1:${info.port}/?token=${encodeURIComponent(info.token)}`;
}

/** Best effort: the address is printed anyway. */
function openInBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this machine.
  }
}

/** Returns the lines to print. */
export async function serveDashboard(config: ResolvedConfig, options: ServeOptions = {}): Promise<{ url: string; text: string; info: DaemonInfo }> {
  const extra = [...(options.port !== undefined ? ['--port', String(options.port)] : []), ...(options.poll ? ['--poll'] : [])];
  const { info, started } = await ensureDaemon(config, extra);
  const url = dashboardUrl(info);
  if (options.open) openInBrowser(url);
  const text = `${started ? 'started the daemon' : 'the daemon already runs'} (pid ${info.pid}) for ${info.roots.join(', ')}\n` +
    `dashboard: ${url}\n` +
    '(the address holds the access token: do not share it; stop with: doublon daemon stop)\n';
  return { url, text, info };
}
