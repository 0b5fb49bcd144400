#!/usr/bin/env node
'use strict';
// Entry point of the `doublon` command; the code lives in out/ (built by `npm run build`, run by `npm ci`).
require('../out/daemon/cli/main.js')
  .main(process.argv)
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error instanceof Error ? error.stack : error);
      process.exitCode = 2;
    },
  );
