/** `doublon serve`: start (or reuse) the daemon of this index and hand out the dashboard's address. */
import type { ResolvedConfig } from '../config/load';
import type { DaemonInfo } from '../server/lifecycle';
import { dashboardUrl, openInBrowser } from '../dashboard/serve';
import { ensureDaemon } from './daemon-command';

export interface ServeOptions {
  port?: number;
  poll?: boolean;
  /** Open the address in the default browser too. */
  open?: boolean;
}

/** Returns the lines to print. */
export async function serveDashboard(
  config: ResolvedConfig,
  options: ServeOptions = {},
): Promise<{ url: string; text: string; info: DaemonInfo }> {
  const extra = [...(options.port !== undefined ? ['--port', String(options.port)] : []), ...(options.poll ? ['--poll'] : [])];
  const { info, started } = await ensureDaemon(config, extra);
  const url = dashboardUrl(info);
  if (options.open) openInBrowser(url);
  const text =
    `${started ? 'started the daemon' : 'the daemon already runs'} (pid ${info.pid}) for ${info.roots.join(', ')}\n` +
    `dashboard: ${url}\n` +
    '(the address holds the access token: do not share it; stop with: doublon daemon stop)\n';
  return { url, text, info };
}
