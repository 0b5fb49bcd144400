/**
 * Whether text output is coloured, by the conventions users expect (the order is Node's own):
 * `--color`/`--no-color` first; then `FORCE_COLOR` (`0` or `false` turns colour off, any other value on);
 * then `NO_COLOR` (https://no-color.org: any non-empty value turns it off); else colour exactly when the
 * output is a terminal. Colour never goes into files or machine formats.
 */
import { PLAIN, type Style } from '../report/formats';

export interface ColorInputs {
  /** `--color` (true), `--no-color` (false), neither (undefined). */
  flag: boolean | undefined;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

export function colorEnabled({ flag, env, isTTY }: ColorInputs): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}

const sgr =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

export const ANSI: Style = { red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };

export function styleFor(enabled: boolean): Style {
  return enabled ? ANSI : PLAIN;
}
