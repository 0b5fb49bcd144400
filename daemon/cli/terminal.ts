/**
 * Text from the file system (file names) shown in a terminal or a CI log: control characters are escaped, so a
 * file name cannot move the cursor, clear the screen or start a line that CI reads as a command (`::error …`).
 */
export function escapeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
