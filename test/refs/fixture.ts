import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A small realistic site, written by code into a fresh temp dir. */
export interface Site {
  dir: string;
  file(rel: string): string;
  text(rel: string): string;
  cleanup(): void;
}

export const IMAGES = [
  'public/img/logo.png',
  'public/img/hero.jpg',
  'public/img/hero@2x.jpg',
  'public/icons/192.png',
  'public/icons/512.png',
  'public/favicon.ico',
  'public/og.png',
  'src/img/a b.png',
  'src/img/photo.webp',
  'src/img/photo.avif',
  'src/img/photo.jpg',
  'src/img/bg.png',
  'src/img/bg@2x.png',
  'src/img/card.svg',
  'src/img/icon.svg',
  'src/img/pattern.gif',
  'docs/shots/step1.png',
  'docs/shots/step2.png',
  'shared/logo.png',
  'src/img/café.png',
];

export const SOURCES: Record<string, string> = {
  'src/index.html': `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <link rel="icon" href="/favicon.ico">
  <link rel="apple-touch-icon" href="/icons/192.png">
  <link rel="stylesheet" href="styles/main.css">
  <link rel="preload" as="image" href="/img/hero.jpg">
  <meta property="og:image" content="/og.png">
  <meta name="twitter:image" content="https://cdn.example.org/og.png">
  <style>
    .hero { background: url("img/bg.png") no-repeat; }
    /* .old { background: url(img/old.png) } */
  </style>
</head>
<body>
  <!-- <img src="img/commented.png"> -->
  <img src="img/a%20b.png?v=2#top" alt="logo.png">
  <img src="/img/hero.jpg" srcset="/img/hero.jpg 1x, /img/hero@2x.jpg 2x">
  <picture>
    <source srcset="img/photo.avif" type="image/avif">
    <source srcset="img/photo.webp">
    <img src="./img/photo.jpg" alt="">
  </picture>
  <video poster="img/card.svg" src="movie.mp4"></video>
  <a href="img/pattern.gif">pattern</a> <a href="about.html">about</a>
  <a href="https://example.org/img/logo.png">theirs</a> <a href="mailto:x@example.org">mail</a>
  <img src="//example.org/img/logo.png"><img src="data:image/png;base64,iVBORw0KGgo=">
  <img src="{{ page.image }}"><img src="\${img}">
  <div style="background-image: url('img/icon.svg')"></div>
  <p>Our logo.png is in img/logo.png.</p>
  <script>const fallback = "img/bg@2x.png"; // "img/photo.jpg"
  </script>
</body>
</html>
`,
  'src/styles/main.css': `/* header: url(../img/nope.png) */
.logo { background: url(../img/icon.svg) center / contain; }
.hero {
  background-image: -webkit-image-set(url("../img/bg.png") 1x, url("../img/bg@2x.png") 2x);
  background-image: image-set("../img/bg.png" 1x, "../img/bg@2x.png" 2x);
}
@font-face { font-family: X; src: url(../fonts/x.woff2) format("woff2"); }
.ext { background: url(https://example.org/a.png), url(data:image/gif;base64,R0lGODlh); }
.grad { fill: url(#gradient); }
.root { background: url('/img/logo.png?v=3'); }
`,
  'src/styles/theme.scss': `// .a { background: url(../img/nope.png); }
$base: '../img';
.card {
  background: url(../img/card.svg);
  .inner { background: url("#{$base}/bg.png"); }
  &:hover { border-image: url('../img/pattern.gif') 30 round; }
}
`,
  'src/app.js': `import logo from '../public/img/logo.png';
import './styles/main.css';
// import old from './img/old.png';
const lazy = () => import('./img/photo.webp');
const icon = require("./img/icon.svg");
const worker = new URL('./img/bg.png', import.meta.url);
const shot = 'img/card.svg';
const notThere = './img/missing.png';
const remote = "https://example.org/img/logo.png";
const tpl = \`img/\${name}.png\`;
/* const x = 'img/pattern.gif'; */
const t2 = \`img/pattern.gif\`;
`,
  'src/components/Card.tsx': `import React from 'react';
import bg from '../img/bg.png';

export function Card({ title }: { title: string }) {
  // <img src="../img/commented.png" />
  return (
    <div className="card">
      <img src="../img/photo.jpg" srcSet="../img/photo.jpg 1x, ../img/photo.webp 2x" alt="photo.png" />
      <p>Don't use card.svg here</p>
      <Icon src="/img/logo.png" label={title} />
    </div>
  );
}
`,
  'docs/guide.md': `---
title: Guide
cover: shots/step1.png
---
# Guide

First ![Step one](shots/step1.png "The first step") then [see](shots/step2.png).
Read [the docs](https://example.org/docs.png) or [the page](other.md).

![Logo][logo]

[logo]: ../shared/logo.png
[site]: https://example.org/

\`![not this](shots/code.png)\`

    ![nor this](shots/indented.png)

<img src="shots/step2.png" width="200">

A paragraph that mentions shots/step1.png in prose.
`,
  'src/App.vue': `<template>
  <div>
    <img src="./img/photo.jpg" alt="">
    <img :src="require('./img/card.svg')">
    <!-- <img src="./img/commented.png"> -->
  </div>
</template>

<script setup lang="ts">
import hero from '../public/img/hero.jpg';
</script>

<style scoped lang="scss">
.app { background: url(./img/pattern.gif); } // url(./img/nope.png)
</style>
`,
  'src/Widget.svelte': `<script>
  import icon from './img/icon.svg';
  let name = 'x';
</script>

<img src="./img/bg.png" alt="bg">
<img src={icon} alt="icon">
<img src="./img/{name}.png" alt="dynamic">

<style>
  div { background: url(./img/pattern.gif); }
</style>
`,
  'public/manifest.webmanifest': `{
  "name": "City",
  "icons": [
    { "src": "icons/192.png", "sizes": "192x192", "type": "image/png" },
    { "src": "/icons/512.png", "sizes": "512x512" }
  ],
  "description": "logo.png is our logo",
  "screenshots": [{ "src": "https://example.org/shot.png" }]
}
`,
  '_config.yml': `title: City
logo: /img/logo.png
# avatar: /img/nope.png
favicon: "/favicon.ico"
description: >
  Our /img/hero.jpg is great
`,
};

export function makeSite(): Site {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doublon-refs-'));
  const write = (rel: string, data: string | Buffer) => {
    const p = path.join(dir, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, data);
  };
  for (const img of IMAGES) write(img, Buffer.from([0x89, 0x50, 0x4e, 0x47, img.length & 255]));
  for (const [rel, text] of Object.entries(SOURCES)) write(rel, text);
  return {
    dir,
    file: (rel) => path.join(dir, rel),
    text: (rel) => SOURCES[rel],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
