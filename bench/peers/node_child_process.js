#!/usr/bin/env node
// node_child_process.js JOB N — pk-bench's jobs done through Node's
// child_process module, for bench/compare.
//
//   spawn N      N x spawnSync('/bin/true', {stdio: 'inherit'})
//   capture B    spawnSync('head', ['-c', B, '/dev/zero']).stdout (a Buffer;
//                maxBuffer raised to B)
//   lines N      N lines of 100 bytes (`sh -c 'yes | head'`) from spawn()'s
//                stdout through readline, one 'line' event each
//   fanout N     N x spawn('/bin/sleep', ['0.2']) on the event loop, each
//                awaited through its 'exit' event
//   idle N       N x spawn('/bin/sleep', ['3600']) with stdout and stderr
//                piped, held: the V8 heap in use and resident memory this
//                process grew by, per child
//
// Each job checks its own result (exit statuses, bytes, lines). Prints one
// line `job=... n=... total_ms=... per_op_us=... mechanism=none ok=...` like
// pk-bench; exits 1 if the check failed, 2 on bad usage.
'use strict';
const cp = require('child_process');
const readline = require('readline');

// 99 characters + newline = 100 bytes a line (as bench/raw_jobs.cpp).
const lineStream = (n) => 'yes ' + 'x'.repeat(99) + ' | head -n ' + n;

function spawn(n) {
  let ok = true;
  for (let i = 0; i < n; ++i) {
    const r = cp.spawnSync('/bin/true', [], {stdio: 'inherit'});
    ok = ok && r.error === undefined && r.status === 0;
  }
  return Promise.resolve(ok);
}

function capture(size) {
  const r = cp.spawnSync('/usr/bin/head', ['-c', String(size), '/dev/zero'],
                         {stdio: ['inherit', 'pipe', 'inherit'], maxBuffer: size + 1});
  const ok = r.error === undefined && r.status === 0 && r.stdout.length === size;
  return Promise.resolve(ok);
}

function lines(n) {
  return new Promise((resolve) => {
    const child = cp.spawn('/bin/sh', ['-c', lineStream(n)], {stdio: ['inherit', 'pipe', 'inherit']});
    let seen = 0;
    let closed = false;
    let status = null;
    const finish = () => { if (closed && status !== null) resolve(status === 0 && seen === n); };
    const rl = readline.createInterface({input: child.stdout, crlfDelay: Infinity});
    rl.on('line', (line) => { seen += line.length === 99 ? 1 : 0; });
    rl.on('close', () => { closed = true; finish(); });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => { status = code === null ? -1 : code; finish(); });
  });
}

function fanout(n) {
  return new Promise((resolve) => {
    let completed = 0;
    let succeeded = 0;
    const done = (good) => {
      succeeded += good ? 1 : 0;
      if (++completed === n) resolve(succeeded === n);
    };
    for (let i = 0; i < n; ++i) {
      const child = cp.spawn('/bin/sleep', ['0.2'], {stdio: 'inherit'});
      child.on('error', () => done(false));
      child.on('exit', (code) => done(code === 0));
    }
  });
}

function idle(n) {
  return new Promise((resolve) => {
    const held = new Array(n); // the caller's array, as pk-bench idle's reserved vector
    if (global.gc) global.gc();
    const before = process.memoryUsage();
    for (let i = 0; i < n; ++i) {
      held[i] = cp.spawn('/bin/sleep', ['3600'], {stdio: ['inherit', 'pipe', 'pipe']});
    }
    if (global.gc) global.gc();
    const after = process.memoryUsage();
    const note = `idle_heap_bytes_per_child=${((after.heapUsed - before.heapUsed) / n).toFixed(0)} ` +
                 `idle_rss_bytes_per_child=${((after.rss - before.rss) / n).toFixed(0)}`;
    let exited = 0;
    let killed = 0;
    for (const child of held) {
      child.on('exit', (code, signal) => {
        killed += signal === 'SIGKILL' ? 1 : 0;
        if (++exited === n) resolve({ok: killed === n, note});
      });
      child.kill('SIGKILL');
    }
  });
}

const JOBS = {spawn, capture, lines, fanout, idle};

async function main(argv) {
  const job = argv[2];
  if (argv.length !== 4 || !(job in JOBS)) {
    process.stderr.write(`usage: node_child_process.js JOB N\njobs: ${Object.keys(JOBS).join(', ')}\n`);
    return 2;
  }
  const n = Number(argv[3]);
  if (!Number.isInteger(n) || n <= 0) {
    process.stderr.write(`node_child_process.js: N must be a positive integer, got '${argv[3]}'\n`);
    return 2;
  }
  const start = process.hrtime.bigint();
  const result = await JOBS[job](n);
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const {ok, note} = typeof result === 'object' ? result : {ok: result, note: ''};
  process.stdout.write(`job=${job} n=${n} total_ms=${ms.toFixed(3)} ` +
                       `per_op_us=${(ms * 1000 / n).toFixed(2)} mechanism=none ok=${ok}` +
                       (note ? ' ' + note : '') + '\n');
  return ok ? 0 : 1;
}

main(process.argv).then((code) => { process.exitCode = code; });
