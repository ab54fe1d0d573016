// run-onnx.js: runs ONNX models in ONNX Runtime (onnxruntime-node) for test-export.py.
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
//   node run-onnx.js JOBS.json
// JOBS.json: [{"onnx": path, "rows": n, "feeds": {name: {"type": "double"|"float"|"string", "values": [...]}},
//              "out": path}]; null values are missing (NaN / ""). Each job's outputs go to its "out"
// file as {name: {"type", "dims", "data"}}. Where onnxruntime-node lives: $KILN_ORT_NODE (its folder).
'use strict';
const fs = require('fs');
const path = require('path');

const ortDir = process.env.KILN_ORT_NODE;
if (!ortDir) {
  console.error('run-onnx.js: set KILN_ORT_NODE to the onnxruntime-node folder');
  process.exit(2);
}
const ort = require(path.resolve(ortDir));

function feed(spec, rows) {
  if (spec.type === 'double')
    return new ort.Tensor('float64', Float64Array.from(spec.values, v => v === null ? NaN : v), [rows, 1]);
  if (spec.type === 'float')
    return new ort.Tensor('float32', Float32Array.from(spec.values, v => v === null ? NaN : v), [rows, 1]);
  if (spec.type === 'string')
    return new ort.Tensor('string', spec.values.map(v => v === null ? '' : String(v)), [rows, 1]);
  throw new Error('unknown input type ' + spec.type);
}

async function main() {
  const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  for (const job of jobs) {
    const session = await ort.InferenceSession.create(job.onnx);
    const feeds = {};
    for (const name of session.inputNames) {
      if (!(name in job.feeds))
        throw new Error(job.onnx + ': no values for input ' + name);
      feeds[name] = feed(job.feeds[name], job.rows);
    }
    const results = await session.run(feeds);
    const out = {};
    for (const name of session.outputNames) {
      const t = results[name];
      out[name] = { type: t.type, dims: t.dims.map(Number), data: Array.from(t.data) };
    }
    fs.writeFileSync(job.out, JSON.stringify(out));
  }
}

main().catch(e => { console.error('run-onnx.js: ' + (e && e.stack || e)); process.exit(1); });
