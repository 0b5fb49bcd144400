/** The text `doublon --help` and `doublon check --help` end with: examples, exit codes, environment. */

export const EXIT_CODES_HELP = `
Exit codes:
  0  success; for check: no error, and no more warnings than --max-warnings
  1  check: a duplicate whose class is in failOn/--fail-on (an error), an unreadable
     image with --fail-on unreadable, or more warnings than --max-warnings
  2  usage, configuration or environment error (the message says which)
  3  daemon status: no daemon runs for this index`;

export const PROGRAM_HELP = `
Examples:
  $ doublon scan                                   find duplicates under the current folder
  $ doublon scan site/ assets/ --json              two roots, the report as JSON
  $ doublon check --format github                  in GitHub Actions: annotations on the files
  $ doublon check --baseline doublon-baseline.json --update-baseline
                                                   accept today's duplicates (commit the file)
  $ doublon check --baseline doublon-baseline.json fail only on new duplicates
  $ doublon replace --apply && doublon undo        rewrite references to the canonical files, then undo
  $ doublon --cwd ../site check                    run as if started in ../site
${EXIT_CODES_HELP}

Environment:
  NO_COLOR     any non-empty value: no colour (--color overrides it)
  FORCE_COLOR  0 or false: no colour; any other value: colour even when not on a terminal

Documentation: docs/cli.md and docs/rules/ in the package.`;

export const CHECK_HELP = `
Severities (the same in every format):
  error    a duplicate whose class is in failOn (default: exact, pixel, near);
           an unreadable image when failOn lists "unreadable"
  warning  any other duplicate or unreadable image; fails only past --max-warnings

Examples:
  $ doublon check                                       text, exit 1 on any duplicate
  $ doublon check --fail-on exact,pixel --max-warnings 10
                                                        near copies are warnings, at most 10
  $ doublon check --fail-on exact,pixel,near,unreadable a corrupt image fails too
  $ doublon check --quiet                               errors only
  $ doublon check -f sarif -o doublon.sarif             for GitHub code scanning
  $ doublon check -f gitlab -o gl-code-quality.json     for GitLab's Code Quality widget
  $ doublon check --baseline doublon-baseline.json --prune-baseline
                                                        drop entries of duplicates since removed
${EXIT_CODES_HELP}`;
