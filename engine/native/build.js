#!/usr/bin/env node
/**
 * Builds resdet's native addon (node-gyp over binding.gyp) when oneDNN's headers are installed
 * (apt-get install libdnnl-dev). Run by `npm ci` / `npm install` (the package's "install" script) and by
 * `npm run build:native`. Without --strict it ALWAYS exits 0, so installing resdet never fails for want of
 * oneDNN: the reason goes to build/BUILD_ERROR.txt, which the backend reports ("native backend not built").
 * Skips the build when the addon is newer than every source file, unless --force. (engine/addon_build.js)
 */
'use strict';
const fs = require('fs');
const { buildAddon, fail } = require('../addon_build');

const HEADER = process.env.RESDET_ONEDNN_HEADER || '/usr/include/oneapi/dnnl/dnnl.hpp'; // override: tests of the fallback
const spec = { dir: __dirname, file: 'resdet_native.node', what: 'native backend', library: 'oneDNN addon', fallback: 'resdet will use wasm' };

if (!fs.existsSync(HEADER)) fail(spec.dir, spec.what, `oneDNN headers not found (${HEADER}): apt-get install libdnnl-dev`, null, spec.fallback);
buildAddon(spec);
