/**
 * The known references of each example site under examples/ (written by hand from the templates, and
 * checked against the built sites by build.test.ts): file, 1-based line, the exact path text, its kind,
 * and the file it names. The character is found in the line by the test itself (the nth occurrence of
 * the text, n = occurrence, default 1), independently of the extractor.
 */
export interface KnownReference {
  file: string;
  line: number;
  text: string;
  kind: string;
  target: string;
  occurrence?: number;
}
export interface KnownMention {
  file: string;
  line: number;
  pattern?: string;
}

export interface ExampleSite {
  name: string;
  references: KnownReference[];
  mentions: KnownMention[];
  /** Images only a template mention names (they must survive `replace --apply --delete`). */
  mentionedOnly: string[];
}

const ref = (file: string, line: number, kind: string, text: string, target: string, occurrence?: number): KnownReference => ({
  file,
  line,
  kind,
  text,
  target,
  ...(occurrence ? { occurrence } : {}),
});

export const EXAMPLE_SITES: ExampleSite[] = [
  {
    name: 'hugo-site',
    references: [
      ref('content/_index.md', 3, 'manifest', 'img/digit-150.png', 'static/img/digit-150.png'),
      ref('content/_index.md', 7, 'string', 'img/digit-150-copy.png', 'static/img/digit-150-copy.png'),
      ref('content/_index.md', 9, 'markdown-image', '/img/logo-copy.png', 'static/img/logo-copy.png'),
      ref('content/_index.md', 11, 'markdown-image', '/img/banner-copy.jpg', 'static/img/banner-copy.jpg'),
      ref('content/_index.md', 13, 'markdown-image', '/img/gsa.png', 'static/img/gsa.png'),
      ref('content/_index.md', 13, 'markdown-image', '/img/gsa.png', 'static/img/gsa.png', 2),
      ref('content/news/new-buses/index.md', 3, 'manifest', 'img/pictos/bus.png', 'static/img/pictos/bus.png'),
      ref('content/news/new-buses/index.md', 7, 'markdown-image', 'photo.jpg', 'content/news/new-buses/photo.jpg'),
      ref('content/news/new-buses/index.md', 9, 'string', 'photo-copy.jpg', 'content/news/new-buses/photo-copy.jpg'),
      ref('data/usa_identifier.yml', 2, 'manifest', 'img/gsa-logo-w100.png', 'themes/civic/static/img/gsa-logo-w100.png'),
      ref('themes/civic/layouts/_default/baseof.html', 6, 'template-url', 'favicon.png', 'themes/civic/static/favicon.png'),
      ref('themes/civic/layouts/_default/baseof.html', 7, 'template-url', 'img/logo.png', 'themes/civic/static/img/logo.png'),
      ref('themes/civic/layouts/index.html', 4, 'template-url', 'img/digit-150.png', 'static/img/digit-150.png'),
      ref('themes/civic/layouts/partials/header.html', 2, 'template-url', 'img/logo.png', 'themes/civic/static/img/logo.png'),
      ref('themes/civic/layouts/partials/header.html', 3, 'template-asset', 'img/banner.jpg', 'assets/img/banner.jpg'),
      ref('themes/civic/layouts/partials/header.html', 5, 'src', '/img/pictos/bus.png', 'static/img/pictos/bus.png'),
    ],
    mentions: [
      { file: 'themes/civic/layouts/_default/baseof.html', line: 12 },
      { file: 'themes/civic/layouts/_default/single.html', line: 4 },
      { file: 'themes/civic/layouts/index.html', line: 2 },
      { file: 'themes/civic/layouts/partials/header.html', line: 3 },
      { file: 'themes/civic/layouts/partials/icon.html', line: 2, pattern: '/icons/*.png' },
      { file: 'themes/civic/layouts/shortcodes/asset-img.html', line: 1 },
    ],
    mentionedOnly: ['static/icons/bus.png'],
  },
  {
    name: 'jekyll-site',
    references: [
      ref('_includes/footer.html', 2, 'template-url', '/assets/img/partner.png', 'assets/img/partner.png'),
      ref('_includes/footer.html', 3, 'string', '/assets/img/bus.png', 'assets/img/bus.png'),
      ref('_layouts/default.html', 6, 'template-url', '/assets/img/favicon.png', 'assets/img/favicon.png'),
      ref('_layouts/default.html', 9, 'template-url', '/assets/img/logo.png', 'assets/img/logo.png'),
      ref('index.md', 7, 'template-url', '/assets/img/reims.jpg', 'assets/img/reims.jpg'),
      ref('index.md', 9, 'template-url', '/assets/img/pont-copy.jpg', 'assets/img/pont-copy.jpg'),
      ref('index.md', 11, 'src', '/ville/assets/img/logo-copy.png', 'assets/img/logo-copy.png'),
      ref('index.md', 13, 'template-url', '/assets/img/star.png', 'assets/img/star.png'),
      ref('news.html', 6, 'template-url', '/assets/img/reims-copy.jpg', 'assets/img/reims-copy.jpg'),
      ref('news.html', 7, 'template-url', '/assets/img/pont.jpg', 'assets/img/pont.jpg'),
    ],
    mentions: [
      { file: '_includes/figure.html', line: 1 },
      { file: 'news.html', line: 8, pattern: '/assets/icons/star-*.png' },
    ],
    mentionedOnly: ['assets/icons/star-1.png'],
  },
  {
    name: 'eleventy-site',
    references: [
      ref('src/_includes/base.njk', 6, 'template-url', '/assets/img/favicon.png', 'src/assets/img/favicon.png'),
      ref('src/_includes/base.njk', 10, 'src', '/assets/img/logo.png', 'src/assets/img/logo.png'),
      ref('src/about.html', 6, 'template-url', '/assets/img/logo-copy.png', 'src/assets/img/logo-copy.png'),
      ref('src/index.md', 7, 'template-asset', 'src/assets/blog/eiti/eiti2.jpg', 'src/assets/blog/eiti/eiti2.jpg'),
      ref('src/index.md', 9, 'template-url', '/assets/blog/were-hiring/18fdc-pif.jpg', 'src/assets/blog/were-hiring/18fdc-pif.jpg'),
      ref('src/index.md', 11, 'markdown-image', '/assets/blog/eiti/eiti2-copy.jpg', 'src/assets/blog/eiti/eiti2-copy.jpg'),
      ref('src/index.md', 13, 'markdown-image', '/assets/img/portrait.png', 'src/assets/img/portrait.png'),
      ref('src/index.md', 13, 'template-url', '/assets/img/fellows.jpg', 'src/assets/img/fellows.jpg'),
    ],
    mentions: [{ file: 'src/team.njk', line: 7, pattern: '/assets/team/*.png' }],
    mentionedOnly: ['src/assets/team/ana.png'],
  },
  {
    name: 'drupal-theme',
    references: [
      ref('ville/css/style.css', 2, 'css-url', '../images/bg.png', 'ville/images/bg.png'),
      ref('ville/css/style.css', 3, 'css-url', '../images/seal-old.png', 'ville/images/seal-old.png'),
      ref('ville/templates/page.html.twig', 8, 'template-url', '/images/logo.png', 'ville/images/logo.png'),
      ref('ville/templates/page.html.twig', 13, 'template-url', '/images/logo-copy.png', 'ville/images/logo-copy.png'),
      ref('ville/templates/page.html.twig', 14, 'template-url', '/images/seal.png', 'ville/images/seal.png'),
      ref('ville/templates/page.html.twig', 17, 'template-url', '/images/bus.png', 'ville/images/bus.png'),
      ref('ville/ville.info.yml', 6, 'manifest', 'logo.png', 'ville/logo.png'),
      ref('ville/ville.info.yml', 7, 'manifest', 'screenshot.png', 'ville/screenshot.png'),
    ],
    mentions: [
      { file: 'ville/templates/page.html.twig', line: 15, pattern: '/images/icons/*.png' },
      { file: 'ville/templates/page.html.twig', line: 16 },
    ],
    mentionedOnly: ['ville/images/icons/bus.png'],
  },
  {
    name: 'wordpress-theme',
    references: [
      ref('ville/footer.php', 2, 'template-url', 'assets/logo-copy.png', 'ville/assets/logo-copy.png'),
      ref('ville/footer.php', 3, 'template-url', 'images/seal.png', 'ville/images/seal.png'),
      ref('ville/footer.php', 4, 'template-url', '/images/bike.png', 'ville/images/bike.png'),
      ref('ville/functions.php', 18, 'template-url', '/images/bg-copy.png', 'ville/images/bg-copy.png'),
      ref('ville/header.php', 5, 'template-url', '/images/favicon.png', 'ville/images/favicon.png'),
      ref('ville/header.php', 10, 'template-url', '/images/logo.png', 'ville/images/logo.png'),
      ref('ville/style.css', 8, 'css-url', 'images/bg.png', 'ville/images/bg.png'),
    ],
    mentions: [
      { file: 'ville/functions.php', line: 13, pattern: '/images/icons/*.png' },
      { file: 'ville/header.php', line: 9 },
    ],
    mentionedOnly: ['ville/images/icons/bike.png'],
  },
];
