/**
 * Who Doublon is to the outside: name, version and where its documentation lives. The repository address is
 * a placeholder until the project is published: it is this one constant (package.json's `repository`, `homepage`
 * and `bugs` repeat it, and a test checks they agree), so publishing means changing it here and there only.
 */
export const TOOL_NAME = 'doublon';
/** Kept equal to package.json's `version` by a test (the code must not read package.json: it is bundled). */
export const TOOL_VERSION = '0.1.0';
export const REPOSITORY_URL = 'https://github.com/doublon/doublon';
/** The documentation of the version that runs, so a link never describes another release's behaviour. */
const DOCS_URL = `${REPOSITORY_URL}/blob/v${TOOL_VERSION}/docs`;

/** The page of one rule in the shipped documentation (`docs/rules/<rule>.md`). */
export function ruleHelpUri(ruleId: string): string {
  return `${DOCS_URL}/rules/${ruleId}.md`;
}
