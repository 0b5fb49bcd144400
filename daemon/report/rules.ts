/**
 * The rules `doublon check` reports under, one per duplicate class plus references and unreadable images.
 * SARIF's `reportingDescriptor`s, GitLab's `check_name`s and the pages of `docs/rules/` come from this list
 * (a test checks every rule has its page).
 */
import type { DuplicateClass } from '../../protocol/report';
import { ruleHelpUri } from './tool';

export interface RuleDescriptor {
  id: string;
  /** PascalCase, as SARIF viewers show it. */
  name: string;
  short: string;
  full: string;
  /** How to fix it, in plain text and in Markdown. */
  help: string;
  helpMarkdown: string;
  helpUri: string;
}

function rule(id: string, name: string, short: string, full: string, help: string): RuleDescriptor {
  const helpUri = ruleHelpUri(id);
  return { id, name, short, full, help, helpMarkdown: `${help}\n\n[Documentation of \`${id}\`](${helpUri})`, helpUri };
}

export const CLASS_RULES: Record<DuplicateClass, RuleDescriptor> = {
  exact: rule(
    'duplicate-exact',
    'DuplicateExactImage',
    'Byte-identical copy of another image',
    'The file has the same bytes as another image of the repository (its canonical file). One of the two is redundant: keep the canonical file and reference it everywhere.',
    'Run `doublon replace --apply` to point every reference at the canonical file (add `--delete` to move the copy to the trash), or list the file in the baseline or under `ignore` in doublon.config.json if the copy is deliberate.',
  ),
  pixel: rule(
    'duplicate-pixel',
    'DuplicatePixelImage',
    'Pixel-identical copy of another image',
    'The file decodes to exactly the same pixels as another image (re-encoded losslessly, or with other metadata). Browsers show the two identically, so one of them is redundant.',
    'Run `doublon replace --apply` to point every reference at the canonical file (add `--delete` to move the copy to the trash), or ignore the group in doublon.config.json if both files must stay.',
  ),
  near: rule(
    'duplicate-near',
    'DuplicateNearImage',
    'Visually near-identical copy of another image',
    'The file looks the same as another image: resized, recompressed, in another format, lightly edited, flipped, rotated or slightly cropped. The similarity is given with the finding; check it by eye before replacing.',
    'Compare the two files (the dashboard of `doublon serve` shows them side by side), then replace one group at a time with `doublon replace --class near --group <id> --apply`, or declare the files distinct under `ignore` in doublon.config.json.',
  ),
};

export const REFERENCE_RULE = rule(
  'reference-to-duplicate',
  'ReferenceToDuplicateImage',
  'A source file references a duplicate image instead of its canonical file',
  'A source file (HTML, CSS, JS, Markdown, a template, a manifest…) references an image that is a duplicate of another one. Referencing the canonical file instead lets the copy be deleted and browsers cache one file.',
  'Change the reference to the canonical file (the editor extension offers a quick fix), or run `doublon replace --apply` to rewrite every reference at once.',
);

export const UNREADABLE_RULE = rule(
  'unreadable-image',
  'UnreadableImage',
  'An image file that cannot be read or decoded',
  'The file has an image extension but could not be read or decoded (corrupt, truncated, empty, not an image, or over the pixel limit `maxPixels`). It was skipped: it cannot be compared with the other images.',
  'Repair or remove the file, exclude it with `exclude` in doublon.config.json, or raise `maxPixels` for a legitimate large image. `--fail-on unreadable` (or `"failOn": [..., "unreadable"]`) makes such files fail the check.',
);

/** Found through the organisation's catalogue (`doublon check --catalogue`): a copy of a shared library's image. */
export const LIBRARY_COPY_RULE = rule(
  'catalogue-library-copy',
  'CopyOfLibraryImage',
  'A copy of an image of a shared library',
  "The file is a copy (the same bytes, or verified as a near copy) of an image that a shared library of the organisation publishes in the catalogue. The site should load the library's image from its public URL instead of shipping its own copy.",
  "Point the references at the library image's URL (given with the finding): name the library under `libraries` in doublon.config.json and run `doublon replace --apply` (the quick fix in the editor does the same for one reference), then delete the copy.",
);

/** Found through the catalogue: a copy of an image of another site (information: a site cannot fix another's copy). */
export const SITE_COPY_RULE = rule(
  'catalogue-site-copy',
  'CopyInAnotherSite',
  'An image that another site of the organisation also holds',
  "Another site published in the organisation's catalogue holds the same image (or a verified near copy). This is reported for information: the two sites could share it through a library.",
  'If the image is common to several sites, move it into a shared library (published with `doublon publish --library --public-url URL`) and point both sites at it.',
);

export const ALL_RULES: readonly RuleDescriptor[] = [
  CLASS_RULES.exact,
  CLASS_RULES.pixel,
  CLASS_RULES.near,
  REFERENCE_RULE,
  UNREADABLE_RULE,
  LIBRARY_COPY_RULE,
  SITE_COPY_RULE,
];
