/**
 * An app instance's Node inspector, over the Chrome DevTools Protocol (Node's own WebSocket): the scale bench starts
 * its instances with `inspectorEnv(port)` (loopback only, bench only) to read memory after a forced garbage collection
 * — otherwise garbage V8 has not collected yet counts as the streams' — and to take CPU profiles of the server.
 */
import { relative } from 'node:path';
import { ROOT } from '../tools/stack/processes.ts';

export const inspectorEnv = (port) => ({ NODE_OPTIONS: `--inspect=127.0.0.1:${port}` });

export async function connectInspector(port) {
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error(`inspector on ${port}: connection failed`));
  });
  const pending = new Map();
  let lastId = 0;
  let onChunk = null;
  socket.onmessage = ({ data }) => {
    const message = JSON.parse(data);
    if (message.method === 'HeapProfiler.addHeapSnapshotChunk') return onChunk?.(message.params.chunk);
    const call = pending.get(message.id);
    if (!call) return;
    pending.delete(message.id);
    if (message.error) call.reject(new Error(`${call.method}: ${message.error.message}`));
    else call.resolve(message.result);
  };
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { method, resolve, reject });
      socket.send(JSON.stringify({ id, method, params }));
    });

  return {
    /** The process's memory (bytes: rss, heapUsed, external, …) after a full garbage collection. */
    async memory() {
      await send('HeapProfiler.collectGarbage');
      const { result } = await send('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      });
      return JSON.parse(result.value);
    },
    /** `fn`'s value and the CPU profile (a .cpuprofile object) of the process while it ran. */
    async profile(fn) {
      await send('Profiler.enable');
      await send('Profiler.start');
      const value = await fn();
      const { profile } = await send('Profiler.stop');
      await send('Profiler.disable');
      return { value, profile };
    },
    /** A heap snapshot (after a full garbage collection), as the text of a .heapsnapshot file. */
    async heapSnapshot() {
      await send('HeapProfiler.collectGarbage');
      const chunks = [];
      onChunk = (chunk) => chunks.push(chunk);
      await send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      onChunk = null;
      return chunks.join('');
    },
    close: () => socket.close(),
  };
}

const where = (frame) => (frame.url ? relative(ROOT, frame.url.replace(/^file:\/\//, '')) : '(native)');
const BY = {
  function: (frame) =>
    `${frame.functionName || '(anonymous)'}${frame.url ? ` ${where(frame)}:${frame.lineNumber + 1}` : ''}`,
  file: where,
};

/**
 * The `top` entries of a CPU profile by self time (ms, and share of the busy time: idle left out, GC counted), per
 * function or per file (`by`): minified framework functions say little alone.
 */
export function topSelfTime(profile, { by = 'function', top = 12 } = {}) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let busyUs = 0;
  profile.samples.forEach((id, i) => {
    const frame = nodes.get(id).callFrame;
    if (frame.functionName === '(idle)') return;
    const us = profile.timeDeltas[i + 1] ?? 0;
    const key = BY[by](frame);
    selfUs.set(key, (selfUs.get(key) ?? 0) + us);
    busyUs += us;
  });
  return [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, us]) => ({
      [by]: name,
      selfMs: Math.round(us / 1000),
      percent: Math.round((us / busyUs) * 1000) / 10,
    }));
}

/** Self size (bytes) and count of a heap snapshot's nodes, per kind: an object's constructor, or `(string)` etc. */
function heapByKind(snapshotText) {
  const { snapshot, nodes, strings } = JSON.parse(snapshotText);
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const kinds = new Map();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const t = types[nodes[i + type]];
    const key =
      t === 'object' || t === 'closure' || t === 'native' ? `${strings[nodes[i + name]] || '(anonymous)'}` : `(${t})`;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count += 1;
    kind.bytes += nodes[i + size];
    kinds.set(key, kind);
  }
  return kinds;
}

/**
 * What `items` added to the heap between two snapshots: bytes per item in all, and the `top` kinds by bytes per
 * item, with how many of each one item holds.
 */
export function heapGrowthPerItem(beforeText, afterText, items, { top = 12 } = {}) {
  const before = heapByKind(beforeText);
  const growth = [...heapByKind(afterText)].map(([kind, after]) => {
    const was = before.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, bytes: (after.bytes - was.bytes) / items, count: (after.count - was.count) / items };
  });
  const round = (n) => Math.round(n * 10) / 10;
  return {
    bytesPerItem: Math.round(growth.reduce((sum, g) => sum + g.bytes, 0)),
    top: growth
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top)
      .map((g) => ({ kind: g.kind, bytes: Math.round(g.bytes), count: round(g.count) })),
  };
}
