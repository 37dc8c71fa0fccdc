/**
 * docs/scale.svg from bench/results/scale.json (bench/scale.mjs): against the number of open streams on one instance,
 * the revocation probe's latency (p50, p95; left axis) and the server's RSS (right axis), with the RSS it would have at
 * bare node:http's cost per stream (`results.floor`, measured at the top level). Plain SVG, no library.
 */
const W = 640;
const H = 320;
const M = { left: 56, right: 64, top: 36, bottom: 48 };
const COLORS = { p50: '#2563eb', p95: '#dc2626', rss: '#059669', floor: '#6b7280' };

/** A "nice" upper bound for an axis: 1, 2 or 5 × 10ⁿ at or above `max`. */
function niceMax(max) {
  const step = 10 ** Math.floor(Math.log10(max || 1));
  return [1, 2, 5, 10].map((m) => m * step).find((v) => v >= max);
}

export function scaleChart(results) {
  const levels = results.oneInstance.levels;
  const xs = levels.map((l) => l.streams);
  const series = {
    p50: levels.map((l) => l.probe.latency.p50),
    p95: levels.map((l) => l.probe.latency.p95),
    rss: levels.map((l) => l.rssMb),
    floor: xs.map((n) => results.oneInstance.rssNoStreamsMb + (results.floor.kbPerStream * n) / 1024),
  };
  const msMax = niceMax(Math.max(...series.p95));
  const mbMax = niceMax(Math.max(...series.rss));
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (v) => M.left + (v / niceMax(Math.max(...xs))) * plotW;
  const y = (v, max) => M.top + plotH - (v / max) * plotH;
  const dash = { dashed: ' stroke-dasharray="6 4"', dotted: ' stroke-dasharray="2 3"' };
  const line = (values, max, color, style) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${dash[style] ?? ''} points="${values.map((v, i) => `${x(xs[i]).toFixed(1)},${y(v, max).toFixed(1)}`).join(' ')}"/>` +
    values
      .map((v, i) => `<circle cx="${x(xs[i]).toFixed(1)}" cy="${y(v, max).toFixed(1)}" r="3" fill="${color}"/>`)
      .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1];
  const grid = ticks
    .map((t) => {
      const yy = (M.top + plotH - t * plotH).toFixed(1);
      return (
        `<line x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>` +
        `<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${Number((t * msMax).toFixed(1))}</text>` +
        `<text x="${W - M.right + 6}" y="${yy}" dominant-baseline="middle">${Math.round(t * mbMax)}</text>`
      );
    })
    .join('');
  const xLabels = xs
    .map(
      (v) =>
        `<text x="${x(v).toFixed(1)}" y="${H - M.bottom + 18}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`,
    )
    .join('');
  const legend = [
    ['p50 (ms)', COLORS.p50],
    ['p95 (ms)', COLORS.p95],
    ['RSS (MB)', COLORS.rss, 'dashed'],
    ['RSS at bare node:http cost', COLORS.floor, 'dotted'],
  ]
    .map(
      ([label, color, style], i) =>
        `<line x1="${M.left + i * 110}" x2="${M.left + i * 110 + 24}" y1="18" y2="18" stroke="${color}" stroke-width="2"${dash[style] ?? ''}/>` +
        `<text x="${M.left + i * 110 + 30}" y="18" dominant-baseline="middle">${label}</text>`,
    )
    .join('');
  const probe = levels[0].probe.revocations;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12" fill="#111827">
<title>Revocation latency (${probe} revocations, commit to each stream's frame) and RSS against open streams, one instance</title>
<rect width="${W}" height="${H}" fill="#ffffff"/>
${legend}
${grid}
${xLabels}
<text x="${M.left + plotW / 2}" y="${H - 10}" text-anchor="middle">open event streams (one instance; ${probe} revocations at each)</text>
${line(series.p50, msMax, COLORS.p50)}
${line(series.p95, msMax, COLORS.p95)}
${line(series.rss, mbMax, COLORS.rss, 'dashed')}
${line(series.floor, mbMax, COLORS.floor, 'dotted')}
</svg>
`;
}
