#!/usr/bin/env node
/**
 * Builds resdet's MPI addon (data-parallel training and sharded evaluation: engine/distributed/) when Open
 * MPI's development files are installed (apt-get install libopenmpi-dev openmpi-bin): mpicc tells where mpi.h
 * and libmpi are. Run by `npm ci` / `npm install` (the package's "install" script) and `npm run build:mpi`.
 * Without --strict it always exits 0: without the addon resdet runs in one process, and `resdet launch` says
 * what to install. The reason goes to build/BUILD_ERROR.txt. (engine/addon_build.js)
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { buildAddon, fail } = require('../../addon_build');

const MPICC = process.env.RESDET_MPICC || 'mpicc'; // override: tests of the fallback
const HINT = 'apt-get install libopenmpi-dev openmpi-bin';
const spec = { dir: __dirname, file: 'resdet_mpi.node', what: 'MPI addon', library: 'Open MPI addon', fallback: 'resdet will run in one process only' };

const incdirs = spawnSync(MPICC, ['--showme:incdirs'], { encoding: 'utf8' });
if (incdirs.status !== 0) fail(spec.dir, spec.what, `${MPICC} not found or failing (Open MPI's compiler wrapper): ${HINT}`, incdirs.stderr || String(incdirs.error || ''), spec.fallback);
const dirs = incdirs.stdout.trim().split(/\s+/).filter(Boolean);
if (!dirs.some((d) => fs.existsSync(path.join(d, 'mpi.h')))) fail(spec.dir, spec.what, `mpi.h not found in ${dirs.join(' ') || '(no include folder)'}: ${HINT}`, null, spec.fallback);
buildAddon(spec);
