import { ensureBuild } from './cluster.ts';
import { redisServerBinary } from './redis-server.ts';

/** Fails at once (with how to fix it) when redis-server is missing; builds .next-multi when sources changed. */
export default function globalSetup(): void {
  redisServerBinary();
  ensureBuild();
}
