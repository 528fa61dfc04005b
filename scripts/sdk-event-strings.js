// The body literals SDK 1.51.6 would send for a recording, one per line, computed by node itself:
// JSON.stringify(JSON.stringify({type, timestamp, delay?, data})) per event (packed "v1" events unpacked).
// Used by scripts/compare_with_node.py. Reads arrays, {events}, NDJSON, track bodies and gzip.
const fs = require('fs'); const zlib = require('zlib');
const [,, file, out] = process.argv;
let raw = fs.readFileSync(file); if (raw[0] === 0x1f) raw = zlib.gunzipSync(raw);
let text = raw.toString('utf8');
let events;
if (file.endsWith('.ndjson')) events = text.split('\n').filter(l => l.trim()).map(l => JSON.parse(l));
else { const d = JSON.parse(text); events = Array.isArray(d) ? d : d.events; }
const lines = [];
for (let e of events) {
  if (typeof e === 'string' && e.trimStart()[0] === '{') e = JSON.parse(e);
  if (typeof e === 'string') { const o = JSON.parse(zlib.inflateSync(Buffer.from(e, 'latin1')).toString()); delete o.v; e = o; }
  const shaped = {type: e.type, timestamp: e.timestamp}; if ('delay' in e) shaped.delay = e.delay; shaped.data = e.data;
  lines.push(JSON.stringify(JSON.stringify(shaped)));
}
fs.writeFileSync(out, lines.join('\n') + '\n');
